// Brings an InputSink's absolute-pointer changes, which the guest makes on a vCPU thread, onto the
// server's loop thread: the sink's listener only signals an eventfd, and the loop calls back.
#pragma once

#include "base/result.h"
#include "spice-server/input_sink.h"
#include "spice-server/server_loop.h"

#include <functional>
#include <memory>

namespace spicebox {

class AbsolutePointerWatch {
public:
    // `changed` runs on the loop's thread after each change (several changes may make one call).
    static Result<std::unique_ptr<AbsolutePointerWatch>> start(ServerLoop&, InputSink&, std::function<void()> changed);
    // Detaches from the sink first: no listener runs once this returns.
    ~AbsolutePointerWatch();
    AbsolutePointerWatch(const AbsolutePointerWatch&) = delete;
    AbsolutePointerWatch& operator=(const AbsolutePointerWatch&) = delete;

private:
    AbsolutePointerWatch(ServerLoop&, InputSink&, int event_fd, std::function<void()> changed);
    void on_signal();

    ServerLoop& m_loop;
    InputSink& m_sink;
    int m_event_fd;
    std::function<void()> m_changed;
};

} // namespace spicebox
