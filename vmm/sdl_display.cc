#include "vmm/sdl_display.h"

#include "spice-client-sdl/client_session.h"
#include "spice-client-sdl/sdl_window.h"
#include "vmm/spice_service.h"

#include <atomic>
#include <csignal>
#include <pthread.h>
#include <thread>

namespace spicebox {

namespace {

// The window's session on the machine's server; returns when the window closes, the machine stops or the
// session fails.
Result<SdlWindow::Ended> show(SpiceService& service, SdlWindow& window, const std::atomic<bool>& machine_done)
{
    int fd = TRY(service.connect_in_process());
    auto session = TRY(ClientSession::adopt(fd, service.password(), [&service] { return service.connect_in_process(); }));
    return window.run(*session, [&machine_done] { return !machine_done.load(); });
}

}

RunOutcome run_with_window(Machine& machine, SpiceService& service, SdlWindow& window, std::optional<std::chrono::nanoseconds> timeout)
{
    // Blocked before the machine's threads start, on this thread too, so that the machine's signalfd is the
    // only taker of these (SDL's own handlers are off).
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    std::atomic<bool> machine_done { false };
    std::optional<RunOutcome> outcome;
    std::thread machine_thread([&] {
        outcome = machine.run(timeout);
        machine_done = true;
    });
    auto ended = show(service, window, machine_done);
    if (!ended)
        machine.request_stop({ RunOutcome::Reason::Failure, 1, "the window's SPICE session: " + ended.error().message });
    else if (*ended == SdlWindow::Ended::Closed)
        machine.request_stop({ RunOutcome::Reason::PowerOff, 0, "the window was closed" });
    machine_thread.join();
    return *outcome;
}

} // namespace spicebox
