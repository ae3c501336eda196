#include "spice-server/bandwidth_estimate.h"

#include "base/log.h"

namespace spicebox {

namespace {

// Weight of a new sample in the moving average.
constexpr double kSampleWeight = 0.25;

}

void BandwidthEstimate::observe(Clock::time_point now, uint64_t bytes_sent, bool output_waiting)
{
    if (!output_waiting) {
        // The socket keeps up: nothing is learnt about the link, and the next backlog starts afresh.
        m_since.reset();
        return;
    }
    if (!m_since) {
        m_since = now;
        m_bytes_at_start = bytes_sent;
        return;
    }
    auto elapsed = now - *m_since;
    if (elapsed < kBandwidthSampleInterval)
        return;
    double sample = double(bytes_sent - m_bytes_at_start) / std::chrono::duration<double>(elapsed).count();
    m_estimate = m_estimate ? (1 - kSampleWeight) * *m_estimate + kSampleWeight * sample : sample;
    m_since = now;
    m_bytes_at_start = bytes_sent;
    LOG_DEBUG("spice", "display channel: link estimate %.0f KB/s", *m_estimate / 1000);
}

} // namespace spicebox
