// ThrottledLog: the first warning at once, the rest of a burst counted into one line when the interval ends.
#include "spice-server/throttled_log.h"

#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace spicebox;

namespace {

// Timers only: the test fires them by hand.
class TimerLoop final : public ServerLoop {
public:
    Result<void> watch(int, Callback) override { return {}; }
    Result<void> set_write_interest(int, bool) override { return {}; }
    void unwatch(int) override { }
    Result<int> add_timer(std::chrono::nanoseconds, Callback callback) override
    {
        m_timers[++m_next] = std::move(callback);
        return m_next;
    }
    void cancel_timer(int id) override { m_timers.erase(id); }
    size_t pending() const { return m_timers.size(); }
    void fire_all()
    {
        auto timers = std::exchange(m_timers, {});
        for (auto& [id, callback] : timers)
            callback();
    }

private:
    std::map<int, Callback> m_timers;
    int m_next { 0 };
};

// What the code under `run` writes to stderr.
template<typename Run>
std::string stderr_of(Run&& run)
{
    auto path = "/tmp/spicebox-unit-stderr-" + std::to_string(getpid());
    std::fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE* file = std::fopen(path.c_str(), "w");
    REQUIRE(file);
    dup2(fileno(file), STDERR_FILENO);
    run();
    std::fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    std::fclose(file);
    std::stringstream text;
    text << std::ifstream(path).rdbuf();
    std::remove(path.c_str());
    return text.str();
}

}

TEST_CASE("throttled log: a burst is its first line, then one line with the count when the interval ends")
{
    TimerLoop loop;
    ThrottledLog log(loop, std::chrono::milliseconds(1000));
    auto burst = stderr_of([&] {
        for (int i = 0; i < 500; ++i)
            log.warn("refused #" + std::to_string(i));
    });
    CHECK(burst == "spicebox: spice: refused #0\n");
    CHECK(log.suppressed() == 499);
    CHECK(loop.pending() == 1);
    auto flushed = stderr_of([&] { loop.fire_all(); });
    CHECK(flushed == "spicebox: spice: 499 more in the last 1000 ms, the last: refused #499\n");
    CHECK(log.suppressed() == 0);
    CHECK(loop.pending() == 0);
}

TEST_CASE("throttled log: warnings further apart than the interval are each logged at once")
{
    TimerLoop loop;
    ThrottledLog log(loop, std::chrono::milliseconds(20));
    auto lines = stderr_of([&] {
        log.warn("first");
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        log.warn("second");
    });
    CHECK(lines == "spicebox: spice: first\nspicebox: spice: second\n");
    CHECK(loop.pending() == 0);
}
