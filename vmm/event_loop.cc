#include "vmm/event_loop.h"

#include <cerrno>
#include <cstring>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

namespace spicebox {

namespace {

Error system_error(const char* what)
{
    return Error { std::string(what) + " failed: " + std::strerror(errno) };
}

}

Result<std::unique_ptr<EventLoop>> EventLoop::create()
{
    std::unique_ptr<EventLoop> loop(new EventLoop);
    loop->m_epoll = FileDescriptor(epoll_create1(EPOLL_CLOEXEC));
    if (!loop->m_epoll.valid())
        return system_error("epoll_create1");
    loop->m_wakeup = FileDescriptor(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!loop->m_wakeup.valid())
        return system_error("eventfd");
    epoll_event event {};
    event.events = EPOLLIN;
    event.data.fd = loop->m_wakeup.get();
    if (epoll_ctl(loop->m_epoll.get(), EPOLL_CTL_ADD, loop->m_wakeup.get(), &event) < 0)
        return system_error("epoll_ctl");
    return loop;
}

Result<void> EventLoop::watch_readable(int fd, Callback on_readable)
{
    std::lock_guard lock(m_mutex);
    epoll_event event {};
    event.events = EPOLLIN;
    event.data.fd = fd;
    if (epoll_ctl(m_epoll.get(), EPOLL_CTL_ADD, fd, &event) < 0)
        return system_error("epoll_ctl");
    m_watches[fd] = std::make_shared<Callback>(std::move(on_readable));
    return {};
}

Result<void> EventLoop::set_write_interest(int fd, bool enabled)
{
    epoll_event event {};
    event.events = EPOLLIN | (enabled ? uint32_t(EPOLLOUT) : 0u);
    event.data.fd = fd;
    if (epoll_ctl(m_epoll.get(), EPOLL_CTL_MOD, fd, &event) < 0)
        return system_error("epoll_ctl");
    return {};
}

void EventLoop::unwatch(int fd)
{
    std::lock_guard lock(m_mutex);
    epoll_ctl(m_epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
    m_watches.erase(fd);
}

Result<int> EventLoop::add_timer(std::chrono::nanoseconds delay, Callback callback)
{
    FileDescriptor timer(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!timer.valid())
        return system_error("timerfd_create");
    itimerspec spec {};
    // A zero it_value would disarm the timer; the shortest delay is one nanosecond.
    auto nanoseconds = std::max<int64_t>(delay.count(), 1);
    spec.it_value.tv_sec = nanoseconds / 1'000'000'000;
    spec.it_value.tv_nsec = nanoseconds % 1'000'000'000;
    if (timerfd_settime(timer.get(), 0, &spec, nullptr) < 0)
        return system_error("timerfd_settime");
    int id = timer.get();
    auto fired = [this, id, callback = std::move(callback)] {
        cancel_timer(id);
        callback();
    };
    TRY(watch_readable(id, std::move(fired)));
    std::lock_guard lock(m_mutex);
    m_timers.emplace(id, std::move(timer));
    return id;
}

void EventLoop::cancel_timer(int id)
{
    unwatch(id);
    std::lock_guard lock(m_mutex);
    m_timers.erase(id);
}

void EventLoop::run()
{
    epoll_event events[16];
    for (;;) {
        {
            std::lock_guard lock(m_mutex);
            if (m_stopping)
                return;
        }
        int count = epoll_wait(m_epoll.get(), events, 16, -1);
        if (count < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        for (int i = 0; i < count; ++i) {
            int fd = events[i].data.fd;
            if (fd == m_wakeup.get()) {
                run_posted();
                continue;
            }
            std::shared_ptr<Callback> callback;
            {
                std::lock_guard lock(m_mutex);
                auto it = m_watches.find(fd);
                if (it != m_watches.end())
                    callback = it->second;
            }
            // Looked up per event: an earlier callback in this batch may have removed this watch.
            if (callback)
                (*callback)();
        }
    }
}

void EventLoop::post(Callback callback)
{
    std::lock_guard lock(m_mutex);
    m_posted.push_back(std::move(callback));
    uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(m_wakeup.get(), &one, sizeof one);
}

void EventLoop::run_posted()
{
    uint64_t count = 0;
    [[maybe_unused]] auto drained = ::read(m_wakeup.get(), &count, sizeof count);
    std::vector<Callback> posted;
    {
        std::lock_guard lock(m_mutex);
        posted.swap(m_posted);
    }
    for (auto& callback : posted)
        callback();
}

void EventLoop::stop()
{
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    uint64_t one = 1;
    [[maybe_unused]] auto written = ::write(m_wakeup.get(), &one, sizeof one);
}

} // namespace spicebox
