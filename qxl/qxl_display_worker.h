// The display worker (DESIGN.md "Threads"): one thread that drains a QXL device's command and cursor
// rings into the device's DisplaySink, so the vCPU that kicked goes straight back to the guest. It sleeps
// on an eventfd that the ring kick (NOTIFY_CMD / NOTIFY_CURSOR, on a vCPU thread) signals, then calls
// `process_rings` until the device reports both rings empty (the device has then asked the guest to kick
// on its next push) and sleeps again. A kick during a pass leaves the eventfd readable, so the next pass
// follows at once and no push is missed.
//
// The thread blocks every signal: process-directed ones (SIGINT, SIGTERM) belong to the machine's
// signalfd, whichever thread exists when they arrive.
#pragma once

#include "base/result.h"
#include "qxl/qxl_device.h"

#include <atomic>
#include <memory>
#include <thread>

namespace spicebox {

class QxlDisplayWorker {
public:
    // Starts the thread and makes it the device's ring kick.
    static Result<std::unique_ptr<QxlDisplayWorker>> start(std::shared_ptr<QxlDevice>);
    ~QxlDisplayWorker();
    QxlDisplayWorker(const QxlDisplayWorker&) = delete;
    QxlDisplayWorker& operator=(const QxlDisplayWorker&) = delete;

    // Asks for a pass over the rings. Any thread; never blocks.
    void wake();
    // Detaches the kick, lets a pass under way finish and joins the thread. Idempotent; the destructor
    // calls it.
    void stop();

private:
    // The eventfd, shared with the kick: a vCPU that took the kick just before `stop` detached it still
    // writes to an open eventfd.
    class Wakeup;

    QxlDisplayWorker(std::shared_ptr<QxlDevice>, std::shared_ptr<Wakeup>);
    void run();

    std::shared_ptr<QxlDevice> m_device;
    std::shared_ptr<Wakeup> m_wakeup;
    std::atomic<bool> m_stopping { false };
    std::thread m_thread;
};

} // namespace spicebox
