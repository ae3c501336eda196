#include "spice-server/command_stream.h"

#include "base/log.h"
#include "spice-common/draw_marshaller.h"

#include <cerrno>
#include <cstring>
#include <sys/eventfd.h>
#include <unistd.h>

namespace spicebox {

Result<std::unique_ptr<CommandStream>> CommandStream::create(CanvasSink& renderer)
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0)
        return Error { std::string("display command stream: eventfd failed: ") + std::strerror(errno) };
    return std::unique_ptr<CommandStream>(new CommandStream(renderer, fd));
}

CommandStream::CommandStream(CanvasSink& renderer, int event_fd)
    : m_renderer(renderer)
    , m_event_fd(event_fd)
{
}

CommandStream::~CommandStream() { close(m_event_fd); }

void CommandStream::post_locked(decltype(DisplayEvent::what) what, size_t bytes)
{
    ++m_sequence;
    if (!m_posting)
        return;
    if (m_queue.size() >= kMaxQueuedDisplayEvents || m_queued_bytes + bytes > kMaxQueuedDisplayBytes) {
        m_queue.clear();
        m_queued_bytes = 0;
        m_overflowed = true;
    }
    bool was_idle = m_queue.empty() && !m_overflowed;
    if (!m_overflowed) {
        m_queue.push_back({ m_sequence, std::move(what) });
        m_queued_bytes += bytes;
    }
    if (was_idle || m_queue.empty()) {
        uint64_t one = 1;
        // Only fails when the counter would overflow, and then the fd is readable anyway.
        [[maybe_unused]] ssize_t written = write(m_event_fd, &one, sizeof one);
    }
}

void CommandStream::create_surface(const SurfaceCreate& create)
{
    std::lock_guard lock(m_mutex);
    m_renderer.create_surface(create);
    SurfaceInfo info { create.surface_id, create.width, create.height, create.format, create.primary };
    m_surfaces[create.surface_id] = info;
    post_locked(info);
    if (!create.primary)
        return;
    // spice-server's display_channel_set_monitors_config_to_primary: one head, the primary, until the
    // guest says otherwise (spice-gtk waits for a config naming a monitor before it shows it).
    MonitorHead head { .surface_id = create.surface_id, .width = create.width, .height = create.height };
    m_monitors = MonitorsConfig { .max_allowed = 1, .heads = { head } };
    if (!m_guest_monitors)
        post_locked(m_monitors);
}

void CommandStream::destroy_surface(uint32_t surface_id)
{
    std::lock_guard lock(m_mutex);
    m_renderer.destroy_surface(surface_id);
    m_surfaces.erase(surface_id);
    post_locked(SurfaceDestroyed { surface_id });
}

void CommandStream::draw(DrawCommand command)
{
    std::lock_guard lock(m_mutex);
    if (!m_posting) {
        m_renderer.render(command);
        ++m_sequence;
        return;
    }
    auto shared = std::make_shared<const DrawCommand>(std::move(command));
    m_renderer.render(*shared);
    size_t bytes = draw_payload_bytes(*shared);
    post_locked(std::move(shared), bytes);
}

void CommandStream::cursor(CursorCommand command)
{
    if (m_cursors)
        m_cursors->post(command);
    m_renderer.cursor(std::move(command));
}

void CommandStream::monitors_config(MonitorsConfig config)
{
    std::lock_guard lock(m_mutex);
    m_renderer.monitors_config(config);
    m_monitors = config;
    m_guest_monitors = true;
    post_locked(std::move(config));
}

void CommandStream::update_area(uint32_t surface_id, const Rect& area) { m_renderer.update_area(surface_id, area); }

void CommandStream::set_posting(bool enabled)
{
    std::lock_guard lock(m_mutex);
    m_posting = enabled;
    m_queue.clear();
    m_queued_bytes = 0;
    m_overflowed = false;
}

CommandStream::Batch CommandStream::take_events()
{
    uint64_t count = 0;
    [[maybe_unused]] ssize_t read_bytes = read(m_event_fd, &count, sizeof count);
    std::lock_guard lock(m_mutex);
    Batch batch;
    batch.events.assign(std::make_move_iterator(m_queue.begin()), std::make_move_iterator(m_queue.end()));
    batch.overflowed = m_overflowed;
    m_queue.clear();
    m_queued_bytes = 0;
    m_overflowed = false;
    return batch;
}

DisplaySnapshot CommandStream::snapshot() const
{
    std::lock_guard lock(m_mutex);
    DisplaySnapshot snapshot;
    snapshot.sequence = m_sequence;
    snapshot.monitors = m_monitors;
    for (auto& [id, info] : m_surfaces) {
        auto pixels = std::make_shared<Framebuffer>();
        if (auto read = m_renderer.read_surface(id, *pixels); !read) {
            LOG_WARN("spice", "display snapshot: surface %u not read: %s", id, read.error().message.c_str());
            continue;
        }
        snapshot.surfaces.push_back({ info, std::move(pixels) });
    }
    return snapshot;
}

} // namespace spicebox
