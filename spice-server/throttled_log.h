// A warning that a flood could repeat thousands of times a second (refused connections, failing accepts):
// the first one is logged at once, the ones that follow within the interval are only counted, and the
// count is logged in one line when the interval ends. stderr stays readable and a flood costs no I/O.
#pragma once

#include "spice-server/server_loop.h"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace spicebox {

class ThrottledLog {
public:
    ThrottledLog(ServerLoop&, std::chrono::milliseconds interval);
    ~ThrottledLog();
    ThrottledLog(const ThrottledLog&) = delete;
    ThrottledLog& operator=(const ThrottledLog&) = delete;

    void warn(const std::string& line);
    // Warnings counted but not logged yet.
    size_t suppressed() const { return m_suppressed; }

private:
    void flush();

    ServerLoop& m_loop;
    std::chrono::milliseconds m_interval;
    std::optional<std::chrono::steady_clock::time_point> m_last_logged;
    std::optional<int> m_flush_timer;
    size_t m_suppressed { 0 };
    std::string m_last_suppressed;
};

} // namespace spicebox
