// The epoll loop that owns the host side's file descriptors: stdin for the serial console, timers,
// and (later) SPICE sockets. Callbacks run on the loop's thread; post() and stop() may be called from any thread.
#pragma once

#include "base/result.h"
#include "vmm/file_descriptor.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace spicebox {

class EventLoop {
public:
    using Callback = std::function<void()>;

    static Result<std::unique_ptr<EventLoop>> create();

    // Calls `on_readable` whenever `fd` has input or hung up. The loop does not own `fd`.
    Result<void> watch_readable(int fd, Callback on_readable);
    // While enabled, a watched `fd` also gets its callback when it can be written (for sockets with
    // queued output; the callback tries both directions).
    Result<void> set_write_interest(int fd, bool enabled);
    void unwatch(int fd);
    // Calls `callback` once after `delay`; returns a timer id.
    Result<int> add_timer(std::chrono::nanoseconds delay, Callback callback);
    void cancel_timer(int id);
    // From any thread: runs `callback` once on the loop's thread, soon.
    void post(Callback callback);

    // Runs callbacks until stop().
    void run();
    void stop();

private:
    EventLoop() = default;
    void run_posted();

    FileDescriptor m_epoll;
    FileDescriptor m_wakeup;
    std::mutex m_mutex;
    std::map<int, std::shared_ptr<Callback>> m_watches;
    std::map<int, FileDescriptor> m_timers;
    std::vector<Callback> m_posted;
    bool m_stopping { false };
};

} // namespace spicebox
