// The soak: while a well-behaved session keeps receiving the demo guest's frames, 200 connect/disconnect
// cycles of whole sessions (main, display, inputs, cursor, then close), a quarter of them one of the bad
// clients of after_link_attacks. Afterwards the guest still runs (it echoes typed keys on serial all along),
// the good session kept its frame rate, spicebox's memory and descriptors are back where they were, and
// the log has exactly one line per bad client.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/interop/after_link_attacks.h"
#include "tests/interop/background_session.h"
#include "tests/interop/process_usage.h"
#include "tests/interop/raw_spice_client.h"
#include "tests/interop/spicebox_process.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

using namespace spicebox;
using namespace spicebox::test;

namespace {

constexpr const char* kPassword = "soak";
constexpr size_t kCycles = 200;
// Every fourth cycle is a bad client, the kinds in turn.
constexpr size_t kBadEvery = 4;
// A key typed by the good session every this many cycles; the demo guest echoes it on serial.
constexpr size_t kKeyEvery = 20;
constexpr uint8_t kKeyA = 0x1E;
constexpr auto kRateWindow = std::chrono::seconds(3);
// How long a good session of the soak watches the screen (a few frames) before it closes.
constexpr auto kGoodSessionLife = std::chrono::milliseconds(50);
constexpr uint64_t kMaxResidentGrowthKib = 16 * 1024;
// Timers besides the connections come and go (the screen poll, each a timerfd).
constexpr size_t kTransientTimers = 1;
constexpr uint8_t kSessionChannels[] = { SPICE_CHANNEL_DISPLAY, SPICE_CHANNEL_INPUTS, SPICE_CHANNEL_CURSOR };

size_t count_of(const std::string& text, const std::string& part)
{
    size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
        ++count;
    return count;
}

// A whole session as a real client opens it, that watches the screen for a moment and closes.
bool good_cycle(uint16_t port)
{
    RawSpiceClient main(port);
    auto session = main.open_main(kPassword);
    if (!session)
        return false;
    std::vector<std::unique_ptr<RawSpiceClient>> channels;
    for (uint8_t type : kSessionChannels) {
        channels.push_back(std::make_unique<RawSpiceClient>(port));
        if (channels.back()->link(*session, type, kPassword) != SPICE_LINK_ERR_OK)
            return false;
    }
    auto& display = *channels.front();
    display.send_message(SPICE_MSGC_DISPLAY_INIT, display_init_body());
    while (display.draws_received() == 0) {
        if (!display.receive_message(std::chrono::seconds(5)))
            return false;
    }
    display.serve(kGoodSessionLife);
    return !display.closed_by_server();
}

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

}

TEST_CASE("soak: 200 sessions, good and bad, come and go while a good session keeps its frame rate" * doctest::test_suite(kNeedsKvm))
{
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", "demo", "--append", "demo.seconds=0", "--spice", std::string("port=0,password=") + kPassword, "--timeout", "300" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    uint16_t port = uint16_t(std::stoi(spicebox.port()));
    BackgroundSession good(port, kPassword);
    REQUIRE(good.ok());
    double before = good.draw_rate(kRateWindow);
    size_t descriptors = settled_descriptors(spicebox.pid());
    uint64_t resident_before = resident_kib(spicebox.pid());
    MESSAGE(("before: the good session receives " + std::to_string(before) + " draws/s; spicebox has "
        + std::to_string(descriptors) + " descriptors and " + std::to_string(resident_before) + " KiB resident"));
    REQUIRE(before > 0);

    auto attacks = after_link_attacks(kPassword);
    size_t good_done = 0, bad = 0, bad_cut_off = 0, keys = 0;
    uint64_t draws_at_start = good.draws();
    auto start = std::chrono::steady_clock::now();
    for (size_t cycle = 0; cycle < kCycles; ++cycle) {
        if (cycle % kKeyEvery == 0) {
            good.type_key(kKeyA);
            ++keys;
        }
        if (cycle % kBadEvery == kBadEvery - 1) {
            bad_cut_off += attacks[bad % attacks.size()].run(port);
            ++bad;
        } else {
            good_done += good_cycle(port);
        }
    }
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double during = double(good.draws() - draws_at_start) / seconds;
    MESSAGE(("the soak took " + std::to_string(seconds) + " s: " + std::to_string(good_done) + " good and " + std::to_string(bad)
        + " bad sessions; the good session received " + std::to_string(during) + " draws/s meanwhile"));
    CHECK(good_done == kCycles - bad);
    CHECK(bad_cut_off == bad);
    CHECK(during >= before / 2);
    CHECK_FALSE(good.display_closed());

    // The guest ran all along: it echoed every key on serial.
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (count_of(spicebox.out(), "demo: key 1e") < keys && std::chrono::steady_clock::now() < end)
        spicebox.poll_output(100);
    CHECK(count_of(spicebox.out(), "demo: key 1e") == keys);

    auto ended = [&spicebox] {
        return "spicebox ended during the soak (" + spicebox.end_description() + "); its log:\n" + spicebox.err() + "\nits output (tail):\n"
            + spicebox.out().substr(spicebox.out().size() > 2000 ? spicebox.out().size() - 2000 : 0);
    };
    REQUIRE_MESSAGE(spicebox.running(), ended());
    size_t descriptors_after = settled_descriptors(spicebox.pid());
    uint64_t resident_after = resident_kib(spicebox.pid());
    // Counted from a process that is still there, not from an empty /proc entry.
    REQUIRE_MESSAGE(spicebox.running(), ended());
    MESSAGE(("after: spicebox has " + std::to_string(descriptors_after) + " descriptors and " + std::to_string(resident_after)
        + " KiB resident"));
    CHECK(descriptors_after >= descriptors - kTransientTimers);
    CHECK(descriptors_after <= descriptors + kTransientTimers);
    CHECK(resident_after <= resident_before + kMaxResidentGrowthKib);

    spicebox.stop();
    INFO(("spicebox stderr:\n" + spicebox.err()));
    CHECK(count_of(spicebox.err(), "spicebox: spice: ") == bad);
}
