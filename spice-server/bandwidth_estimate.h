// A client's link speed, estimated from what its socket takes: while output waits in the socket (the link,
// not the server, is the limit), the bytes sent over each interval of at least kBandwidthSampleInterval are
// one sample, folded into a moving average. Without samples the link is assumed fast (loopback, LAN).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace spicebox {

constexpr auto kBandwidthSampleInterval = std::chrono::milliseconds(100);
// Below this the link counts as slow: large photographic images then go as JPEG.
constexpr double kLowBandwidthBytesPerSecond = 1.25e6; // 10 Mbit/s

class BandwidthEstimate {
public:
    using Clock = std::chrono::steady_clock;

    // After each send attempt: the socket's total bytes sent so far and whether output still waits.
    void observe(Clock::time_point now, uint64_t bytes_sent, bool output_waiting);

    std::optional<double> bytes_per_second() const { return m_estimate; }
    bool low() const { return m_estimate && *m_estimate < kLowBandwidthBytesPerSecond; }

private:
    std::optional<Clock::time_point> m_since; // start of the current backlogged interval
    uint64_t m_bytes_at_start { 0 };
    std::optional<double> m_estimate;
};

} // namespace spicebox
