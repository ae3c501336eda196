// What the SPICE server needs from the event loop that owns its sockets: readiness callbacks on file
// descriptors and one-shot timers. The machine adapts its epoll loop to this (vmm/ includes us, not the
// other way round). Every callback runs on the loop's one thread, so the server needs no locks of its own.
#pragma once

#include "base/result.h"

#include <chrono>
#include <functional>

namespace spicebox {

class ServerLoop {
public:
    using Callback = std::function<void()>;

    virtual ~ServerLoop() = default;

    // Calls `on_ready` when `fd` is readable or hung up, and also when writable while write interest is on.
    // The callback finds out which by trying (the fds are non-blocking). The loop does not own `fd`.
    virtual Result<void> watch(int fd, Callback on_ready) = 0;
    virtual Result<void> set_write_interest(int fd, bool enabled) = 0;
    virtual void unwatch(int fd) = 0;
    // Calls `callback` once after `delay`; returns an id for cancel_timer.
    virtual Result<int> add_timer(std::chrono::nanoseconds delay, Callback callback) = 0;
    virtual void cancel_timer(int id) = 0;
};

} // namespace spicebox
