#include "spice-server/cursor_stream.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/eventfd.h>
#include <unistd.h>

namespace spicebox {

void apply_cursor_command(CursorState& state, const CursorCommand& command)
{
    std::visit(
        [&](const auto& cmd) {
            using T = std::decay_t<decltype(cmd)>;
            if constexpr (std::is_same_v<T, CursorSet>) {
                state.position = cmd.position;
                state.visible = cmd.visible;
                state.shape = std::make_shared<const CursorShape>(cmd.shape);
            } else if constexpr (std::is_same_v<T, CursorMove>) {
                state.position = cmd.position;
                state.visible = true;
            } else if constexpr (std::is_same_v<T, CursorHide>) {
                state.visible = false;
            } else if constexpr (std::is_same_v<T, CursorReset>) {
                // spice-server's CursorChannel::reset: no shape, shown, at the origin, no trail.
                state = CursorState {};
                state.visible = true;
            } else {
                state.trail_length = cmd.length;
                state.trail_frequency = cmd.frequency;
            }
        },
        command);
}

Result<std::unique_ptr<CursorStream>> CursorStream::create()
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0)
        return Error { std::string("eventfd failed: ") + std::strerror(errno) };
    return std::unique_ptr<CursorStream>(new CursorStream(fd));
}

CursorStream::~CursorStream() { ::close(m_event_fd); }

void CursorStream::post(CursorCommand command)
{
    {
        std::lock_guard lock(m_mutex);
        apply_cursor_command(m_state, command);
        if (m_queue.size() < kMaxQueuedCursorCommands)
            m_queue.push_back(std::move(command));
        else
            m_overflowed = true;
    }
    uint64_t one = 1;
    // A full counter already wakes the loop: nothing is lost when this write fails.
    (void)!::write(m_event_fd, &one, sizeof one);
}

CursorStream::Batch CursorStream::take()
{
    uint64_t count;
    (void)!::read(m_event_fd, &count, sizeof count);
    std::lock_guard lock(m_mutex);
    Batch batch { std::move(m_queue), m_overflowed };
    m_queue.clear();
    m_overflowed = false;
    return batch;
}

CursorState CursorStream::state() const
{
    std::lock_guard lock(m_mutex);
    return m_state;
}

} // namespace spicebox
