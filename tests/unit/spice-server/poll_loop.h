// The server tests' ServerLoop: readiness by poll(), timers by the clock, which a test may move on so
// that it need not wait for a long timeout.
#pragma once

#include "spice-server/server_loop.h"

#include <chrono>
#include <map>
#include <poll.h>
#include <vector>

namespace spicebox::test {

class PollLoop final : public ServerLoop {
public:
    Result<void> watch(int fd, Callback on_ready) override
    {
        m_watches[fd] = { std::move(on_ready), false };
        return {};
    }
    Result<void> set_write_interest(int fd, bool enabled) override
    {
        m_watches.at(fd).write = enabled;
        return {};
    }
    void unwatch(int fd) override { m_watches.erase(fd); }
    Result<int> add_timer(std::chrono::nanoseconds delay, Callback callback) override
    {
        m_timers[++m_next_timer] = { std::chrono::steady_clock::now() + delay, std::move(callback) };
        return m_next_timer;
    }
    void cancel_timer(int id) override { m_timers.erase(id); }
    void advance(std::chrono::nanoseconds delay) { m_advanced += delay; }

    void run_once(int timeout_ms)
    {
        std::vector<pollfd> fds;
        for (auto& [fd, watch] : m_watches)
            fds.push_back({ fd, short(POLLIN | (watch.write ? POLLOUT : 0)), 0 });
        poll(fds.data(), fds.size(), timeout_ms);
        for (auto& entry : fds) {
            auto found = m_watches.find(entry.fd);
            if (entry.revents && found != m_watches.end()) {
                auto callback = found->second.callback;
                callback();
            }
        }
        auto now = std::chrono::steady_clock::now() + m_advanced;
        std::vector<int> due;
        for (auto& [id, timer] : m_timers) {
            if (timer.deadline <= now)
                due.push_back(id);
        }
        for (int id : due) {
            auto callback = std::move(m_timers.at(id).callback);
            m_timers.erase(id);
            callback();
        }
    }

private:
    struct Watch {
        Callback callback;
        bool write;
    };
    struct Timer {
        std::chrono::steady_clock::time_point deadline;
        Callback callback;
    };
    std::map<int, Watch> m_watches;
    std::map<int, Timer> m_timers;
    int m_next_timer { 0 };
    std::chrono::nanoseconds m_advanced { 0 };
};

} // namespace spicebox::test
