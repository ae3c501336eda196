#include "spice-server/absolute_pointer_watch.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/eventfd.h>
#include <unistd.h>

namespace spicebox {

Result<std::unique_ptr<AbsolutePointerWatch>> AbsolutePointerWatch::start(ServerLoop& loop, InputSink& sink, std::function<void()> changed)
{
    int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd < 0)
        return Error { std::string("eventfd failed: ") + std::strerror(errno) };
    std::unique_ptr<AbsolutePointerWatch> watch(new AbsolutePointerWatch(loop, sink, fd, std::move(changed)));
    if (auto watched = loop.watch(fd, [raw = watch.get()] { raw->on_signal(); }); !watched) {
        ::close(fd);
        watch->m_event_fd = -1;
        return watched.error();
    }
    sink.watch_absolute_pointer([fd] {
        uint64_t one = 1;
        // A full counter already wakes the loop: nothing is lost when this write fails.
        (void)!::write(fd, &one, sizeof one);
    });
    return watch;
}

AbsolutePointerWatch::AbsolutePointerWatch(ServerLoop& loop, InputSink& sink, int event_fd, std::function<void()> changed)
    : m_loop(loop)
    , m_sink(sink)
    , m_event_fd(event_fd)
    , m_changed(std::move(changed))
{
}

AbsolutePointerWatch::~AbsolutePointerWatch()
{
    if (m_event_fd < 0)
        return;
    m_sink.watch_absolute_pointer({});
    m_loop.unwatch(m_event_fd);
    ::close(m_event_fd);
}

void AbsolutePointerWatch::on_signal()
{
    uint64_t count;
    if (::read(m_event_fd, &count, sizeof count) != sizeof count)
        return;
    m_changed();
}

} // namespace spicebox
