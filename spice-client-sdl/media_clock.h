// The client's estimate of the server's multimedia clock (milliseconds, wrapping at 2^32): the last
// time MAIN_INIT or MAIN_MULTI_MEDIA_TIME gave, advanced by the local steady clock since. The server
// sends its clock minus its latency budget, so a video frame stamped with the server's time comes due
// here that much later, which is the buffer that smooths delivery.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace spicebox {

class MediaClock {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    void set(uint32_t server_time, TimePoint now)
    {
        m_server_time = server_time;
        m_set_at = now;
    }

    // Unknown until the server has told us its time.
    std::optional<uint32_t> server_time(TimePoint now) const
    {
        if (!m_server_time)
            return std::nullopt;
        auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - m_set_at).count();
        return uint32_t(*m_server_time + uint32_t(elapsed));
    }

    // How long until the server's clock reaches `time`: negative when it already passed (wrapping
    // differences read as signed, the way the server compares its own times).
    std::optional<std::chrono::milliseconds> until(uint32_t time, TimePoint now) const
    {
        auto current = server_time(now);
        if (!current)
            return std::nullopt;
        return std::chrono::milliseconds(int32_t(time - *current));
    }

private:
    std::optional<uint32_t> m_server_time;
    TimePoint m_set_at {};
};

} // namespace spicebox
