#include "qxl/qxl_display_worker.h"

#include "base/log.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

namespace spicebox {

class QxlDisplayWorker::Wakeup {
public:
    explicit Wakeup(int fd) : m_fd(fd) { }
    ~Wakeup() { close(m_fd); }
    Wakeup(const Wakeup&) = delete;
    Wakeup& operator=(const Wakeup&) = delete;

    void signal()
    {
        uint64_t one = 1;
        // Only fails if the counter would overflow, and then a wakeup is pending anyway.
        [[maybe_unused]] ssize_t written = write(m_fd, &one, sizeof one);
    }

    // Blocks until signalled; false if the eventfd fails.
    bool wait()
    {
        uint64_t count = 0;
        for (;;) {
            if (read(m_fd, &count, sizeof count) == sizeof count)
                return true;
            if (errno != EINTR) {
                LOG_ERROR("qxl", "display worker: eventfd read failed: %s", std::strerror(errno));
                return false;
            }
        }
    }

private:
    int m_fd;
};

Result<std::unique_ptr<QxlDisplayWorker>> QxlDisplayWorker::start(std::shared_ptr<QxlDevice> device)
{
    int fd = eventfd(0, EFD_CLOEXEC);
    if (fd < 0)
        return Error { std::string("qxl display worker: eventfd failed: ") + std::strerror(errno) };
    auto wakeup = std::make_shared<Wakeup>(fd);
    std::unique_ptr<QxlDisplayWorker> worker(new QxlDisplayWorker(std::move(device), wakeup));

    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    worker->m_thread = std::thread([raw = worker.get()] { raw->run(); });
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);

    worker->m_device->set_ring_kick([wakeup] { wakeup->signal(); });
    return worker;
}

QxlDisplayWorker::QxlDisplayWorker(std::shared_ptr<QxlDevice> device, std::shared_ptr<Wakeup> wakeup)
    : m_device(std::move(device))
    , m_wakeup(std::move(wakeup))
{
}

QxlDisplayWorker::~QxlDisplayWorker()
{
    stop();
}

void QxlDisplayWorker::wake()
{
    m_wakeup->signal();
}

void QxlDisplayWorker::stop()
{
    if (!m_thread.joinable())
        return;
    m_device->set_ring_kick({});
    m_stopping = true;
    m_wakeup->signal();
    m_thread.join();
}

void QxlDisplayWorker::run()
{
    while (m_wakeup->wait() && !m_stopping) {
        while (!m_stopping && m_device->process_rings()) {
        }
    }
}

} // namespace spicebox
