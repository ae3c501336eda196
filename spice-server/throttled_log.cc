#include "spice-server/throttled_log.h"

#include "base/log.h"

namespace spicebox {

ThrottledLog::ThrottledLog(ServerLoop& loop, std::chrono::milliseconds interval)
    : m_loop(loop)
    , m_interval(interval)
{
}

ThrottledLog::~ThrottledLog()
{
    if (m_flush_timer)
        m_loop.cancel_timer(*m_flush_timer);
}

void ThrottledLog::warn(const std::string& line)
{
    auto now = std::chrono::steady_clock::now();
    if (!m_last_logged || now - *m_last_logged >= m_interval) {
        LOG_WARN("spice", "%s", line.c_str());
        m_last_logged = now;
        return;
    }
    ++m_suppressed;
    m_last_suppressed = line;
    if (m_flush_timer)
        return;
    auto timer = m_loop.add_timer(*m_last_logged + m_interval - now, [this] {
        m_flush_timer.reset();
        flush();
    });
    // Without a timer the count waits for the next warning after the interval.
    if (timer)
        m_flush_timer = *timer;
}

void ThrottledLog::flush()
{
    if (m_suppressed == 0)
        return;
    LOG_WARN("spice", "%zu more in the last %lld ms, the last: %s", m_suppressed, static_cast<long long>(m_interval.count()),
        m_last_suppressed.c_str());
    m_suppressed = 0;
    m_last_logged = std::chrono::steady_clock::now();
}

} // namespace spicebox
