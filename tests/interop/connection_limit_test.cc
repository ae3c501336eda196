// The connection limit (--spice ...,max-connections=N): linked channels and links in progress together stay
// under it, links in progress under a quarter of it; what comes beyond is closed at once, with one log line
// per second however many come; the descriptors all come back; and a new client links once there is room.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/interop/process_usage.h"
#include "tests/interop/raw_spice_client.h"
#include "tests/interop/spicebox_process.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

#include <chrono>
#include <memory>
#include <regex>
#include <thread>

using namespace spicebox;
using namespace spicebox::test;

namespace {

constexpr size_t kMaxConnections = 8;
constexpr size_t kLinksInProgress = kMaxConnections / 4;
constexpr size_t kFlood = 200;
constexpr auto kRefusedWithin = std::chrono::seconds(2);
// Timers come and go besides the connections (each a timerfd): the screen poll while a display channel is
// linked, the refusal log's count.
constexpr size_t kTransientTimers = 2;
constexpr uint8_t kSessionChannels[] = { SPICE_CHANNEL_DISPLAY, SPICE_CHANNEL_INPUTS, SPICE_CHANNEL_CURSOR };

// Reads until the server closes; true if it did within kRefusedWithin without sending anything.
bool closed_at_once(RawSpiceClient& client)
{
    return client.connected() && client.wait_closed(kRefusedWithin) && client.bytes_received() == 0;
}

// The refusals the log accounts for: one per "refused" line, N per "N more" line.
size_t refusals_logged(const std::string& log, size_t& lines)
{
    static const std::regex refused(R"(spicebox: spice: a connection was refused)");
    static const std::regex more(R"(spicebox: spice: (\d+) more in the last \d+ ms, the last: a connection was refused)");
    size_t total = 0;
    lines = 0;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), refused); it != std::sregex_iterator(); ++it, ++lines)
        ++total;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), more); it != std::sregex_iterator(); ++it, ++lines)
        total += std::stoul((*it)[1]);
    return total;
}

// The count once it has not changed for half a second (spicebox opens a few while it starts).
size_t settled_descriptors(pid_t pid)
{
    size_t count = open_descriptors(pid);
    for (int stable = 0; stable < 10; ++stable) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (open_descriptors(pid) != count) {
            count = open_descriptors(pid);
            stable = 0;
        }
    }
    return count;
}

bool wait_for_descriptors(pid_t pid, size_t expected, std::chrono::seconds deadline)
{
    auto end = std::chrono::steady_clock::now() + deadline;
    while (open_descriptors(pid) != expected && std::chrono::steady_clock::now() < end)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return open_descriptors(pid) == expected;
}

}

TEST_CASE("max-connections: a flood of connections is refused at once with a throttled log, and the descriptors come back" * doctest::test_suite(kNeedsKvm))
{
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", "demo", "--append", "demo.seconds=0", "--spice",
            "port=0,disable-ticketing,max-connections=" + std::to_string(kMaxConnections), "--timeout", "120" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    uint16_t port = uint16_t(std::stoi(spicebox.port()));
    size_t descriptors = settled_descriptors(spicebox.pid());
    INFO(("spicebox had " + std::to_string(descriptors) + " descriptors, has " + std::to_string(open_descriptors(spicebox.pid()))));
    size_t refused = 0;

    // Silent connections hold links in progress; one more is refused even though few are open.
    std::vector<std::unique_ptr<RawSpiceClient>> silent;
    for (size_t i = 0; i < kLinksInProgress; ++i)
        silent.push_back(std::make_unique<RawSpiceClient>(port));
    // Each also holds its link's timeout timer.
    REQUIRE(wait_for_descriptors(spicebox.pid(), descriptors + 2 * kLinksInProgress, std::chrono::seconds(5)));
    RawSpiceClient one_more(port);
    CHECK(closed_at_once(one_more));
    ++refused;
    silent.clear();
    REQUIRE(wait_for_descriptors(spicebox.pid(), descriptors, std::chrono::seconds(5)));

    // Two whole sessions fill the limit.
    std::vector<std::unique_ptr<RawSpiceClient>> channels;
    for (int session = 0; session < 2; ++session) {
        auto main = std::make_unique<RawSpiceClient>(port);
        auto id = main->open_main("");
        REQUIRE(id);
        channels.push_back(std::move(main));
        for (uint8_t type : kSessionChannels) {
            auto channel = std::make_unique<RawSpiceClient>(port);
            REQUIRE(channel->link(*id, type, "") == SPICE_LINK_ERR_OK);
            channels.push_back(std::move(channel));
        }
    }
    REQUIRE(channels.size() == kMaxConnections);
    CHECK(open_descriptors(spicebox.pid()) >= descriptors + kMaxConnections);
    CHECK(open_descriptors(spicebox.pid()) <= descriptors + kMaxConnections + kTransientTimers);

    auto start = std::chrono::steady_clock::now();
    size_t closed = 0;
    for (size_t i = 0; i < kFlood; ++i) {
        RawSpiceClient extra(port);
        closed += closed_at_once(extra);
    }
    auto flood_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    refused += kFlood;
    MESSAGE(("the server closed " + std::to_string(closed) + " of " + std::to_string(kFlood) + " extra connections in "
        + std::to_string(flood_seconds) + " s"));
    CHECK(closed == kFlood);
    CHECK(open_descriptors(spicebox.pid()) <= descriptors + kMaxConnections + kTransientTimers);

    // The linked channels were not disturbed: each session still answers.
    for (size_t i = 0; i < channels.size(); i += 1 + std::size(kSessionChannels)) {
        channels[i]->send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
        bool answered = false;
        while (auto message = channels[i]->receive_message(std::chrono::seconds(5))) {
            if (message->type == SPICE_MSG_MAIN_CHANNELS_LIST) {
                answered = true;
                break;
            }
        }
        CHECK(answered);
    }

    channels.clear();
    CHECK(wait_for_descriptors(spicebox.pid(), descriptors, std::chrono::seconds(5)));
    RawSpiceClient later(port);
    CHECK(later.open_main(""));

    // The throttled log's count comes a second after its first line.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    spicebox.poll_output(100);
    size_t lines = 0;
    CHECK(refusals_logged(spicebox.err(), lines) == refused);
    MESSAGE(("the log accounts for " + std::to_string(refused) + " refusals in " + std::to_string(lines) + " lines"));
    CHECK(lines <= 2 * (size_t(flood_seconds) + 2));
    spicebox.stop();
}
