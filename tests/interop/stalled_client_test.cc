// A client that links the display channel and never reads its socket: the server must not block on it nor
// buffer for it without bound, a good session keeps its frame rate meanwhile, and once the stalled client
// has taken nothing for kWriteStallTimeout (30 s) the server disconnects it with one log line.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/interop/after_link_attacks.h"
#include "tests/interop/background_session.h"
#include "tests/interop/process_usage.h"
#include "tests/interop/raw_spice_client.h"
#include "tests/interop/spicebox_process.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

#include <algorithm>
#include <chrono>
#include <string>

using namespace spicebox;
using namespace spicebox::test;

namespace {

constexpr auto kStallTimeout = std::chrono::seconds(30);
// The stall is noticed at the first screen poll after the timeout, and the socket takes a moment to fill.
constexpr auto kStallNoticedWithin = std::chrono::seconds(45);
constexpr auto kRateWindow = std::chrono::seconds(3);
constexpr int kTinyReceiveBuffer = 4096;
// What the server may hold for the stalled client: its pipe and the output beyond the socket's buffer
// (a few screens of 1024x768x4 at most), far below what an unbounded queue reaches in 30 s at 30 frames/s.
constexpr uint64_t kMaxGrowthKib = 32 * 1024;

size_t count_of(const std::string& text, const std::string& part)
{
    size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
        ++count;
    return count;
}

}

TEST_CASE("a display client that never reads is disconnected after 30 s, without blocking the server or a good client" * doctest::test_suite(kNeedsKvm))
{
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", "demo", "--append", "demo.seconds=0", "--spice", "port=0,disable-ticketing", "--timeout", "180" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    uint16_t port = uint16_t(std::stoi(spicebox.port()));
    BackgroundSession good(port, "");
    REQUIRE(good.ok());
    double before = good.draw_rate(kRateWindow);
    uint64_t resident_before = resident_kib(spicebox.pid());
    MESSAGE(("before: the good session receives " + std::to_string(before) + " draws/s; spicebox's RSS is "
        + std::to_string(resident_before) + " KiB"));
    REQUIRE(before > 0);

    RawSpiceClient main(port);
    auto session = main.open_main("");
    REQUIRE(session);
    RawSpiceClient stalled(port, kTinyReceiveBuffer);
    REQUIRE(stalled.link(*session, SPICE_CHANNEL_DISPLAY, "") == SPICE_LINK_ERR_OK);
    stalled.send_message(SPICE_MSGC_DISPLAY_INIT, display_init_body());
    auto stalled_at = std::chrono::steady_clock::now();

    double slowest = before;
    uint64_t resident_peak = resident_before;
    bool disconnected = false;
    while (!disconnected && std::chrono::steady_clock::now() - stalled_at < kStallNoticedWithin) {
        slowest = std::min(slowest, good.draw_rate(kRateWindow));
        resident_peak = std::max(resident_peak, resident_kib(spicebox.pid()));
        spicebox.poll_output(0);
        disconnected = spicebox.err().find("has not read anything for 30 s") != std::string::npos;
    }
    auto noticed_after = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stalled_at);
    MESSAGE(("while stalled: the good session's slowest " + std::to_string(kRateWindow.count()) + " s had " + std::to_string(slowest)
        + " draws/s; spicebox's RSS peaked at " + std::to_string(resident_peak) + " KiB; the stalled client was cut off after about "
        + std::to_string(noticed_after.count()) + " ms"));
    CHECK(disconnected);
    CHECK(noticed_after >= kStallTimeout);
    CHECK(slowest >= before / 2);
    CHECK(resident_peak - resident_before <= kMaxGrowthKib);
    CHECK_FALSE(good.display_closed());

    double after = good.draw_rate(kRateWindow);
    MESSAGE(("after: the good session receives " + std::to_string(after) + " draws/s"));
    CHECK(after >= before / 2);
    spicebox.stop();
    INFO(("spicebox stderr:\n" + spicebox.err()));
    CHECK(count_of(spicebox.err(), "spicebox: spice: ") == 1);
    CHECK(count_of(spicebox.err(), "spicebox: spice: display channel of session") == 1);
}
