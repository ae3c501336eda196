// The QXL guests' draw commands reach real clients as SPICE draw commands: remote-viewer (spice-gtk 0.42)
// under Xvfb, connected while the demo guest animates, ends up showing exactly the picture a client that
// joins late (spicy-screenshot, given a snapshot) gets, and spicebox's log counts the draw commands it
// sent remote-viewer (not screen images). (spicy_screenshot_test.cc checks the late joiner's picture
// against spicebox's own screenshot for every QXL guest; the profile guests finish drawing before a
// viewer could link.)
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/interop/remote_viewer.h"
#include "tests/interop/spicebox_process.h"
#include "tests/interop/tools.h"
#include "tests/support/picture_match.h"
#include "tests/support/png_reader.h"
#include "tests/support/ppm_reader.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <regex>

using namespace spicebox;
using namespace spicebox::test;

namespace {

constexpr auto kPictureDeadline = std::chrono::seconds(30);

std::string temp_path(const std::string& name)
{
    return "/tmp/spicebox-interop-" + std::to_string(getpid()) + "-commands-" + name;
}

// The numbers of spicebox's per-client display summary lines, in order.
struct DisplaySummary {
    uint64_t commands;
    uint64_t cached;
    uint64_t lz4_images;
    uint64_t screen_images;
    uint64_t snapshots;
    uint64_t bytes;
    uint64_t dropped;
};

std::vector<DisplaySummary> display_summaries(const std::string& log)
{
    std::regex line(R"(display channel: sent (\d+) draw commands \((\d+) images from the cache, (\d+) in LZ4, \d+ in JPEG\), (\d+) screen images, (\d+) snapshots, (\d+) bytes; (\d+) draws dropped)");
    std::vector<DisplaySummary> summaries;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it) {
        auto& match = *it;
        summaries.push_back({ std::stoull(match[1]), std::stoull(match[2]), std::stoull(match[3]), std::stoull(match[4]),
            std::stoull(match[5]), std::stoull(match[6]), std::stoull(match[7]) });
    }
    return summaries;
}

// Boots `guest` (drawing for a few seconds) with remote-viewer connected from the start; once the guest is
// done, a late spicy-screenshot's picture must equal what remote-viewer shows, and remote-viewer must have
// been sent draw commands.
void check_commands_reach_viewer(const std::string& guest, const std::string& append, const std::string& ready)
{
    auto display = VirtualDisplay::start(1600, 1200, std::chrono::seconds(20));
    REQUIRE_MESSAGE(display.ok(), display.error_message());
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", guest, "--append", "linger " + append, "--spice", "port=0,disable-ticketing", "--verbose", "--timeout", "120" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    auto started = std::chrono::steady_clock::now();
    std::optional<RemoteViewer> viewer;
    viewer.emplace(**display, spicebox.port(), std::nullopt);
    REQUIRE_MESSAGE(spicebox.wait_for_output(ready, std::chrono::seconds(60)), (spicebox.out() + spicebox.err()));

    auto ppm = temp_path(guest + ".ppm");
    auto late = run_process({ kSpicyScreenshot, "-h", "127.0.0.1", "-p", spicebox.port(), "-o", ppm }, std::chrono::seconds(30));
    REQUIRE_MESSAGE(late.exit_code == 0, describe(late));
    auto expected = read_ppm(ppm);
    std::remove(ppm.c_str());
    REQUIRE_MESSAGE(expected.ok(), expected.error_message());

    auto found = wait_for_picture(**display, *expected, kPictureDeadline);
    viewer->process().stop();
    auto viewer_output = viewer->process().output();
    viewer.reset();
    INFO(("remote-viewer output:\n" + viewer_output));
    CHECK_MESSAGE(found.ok(), (found.ok() ? "" : found.error_message()));
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);

    spicebox.stop();
    auto log_tail = spicebox.err().substr(spicebox.err().size() > 4000 ? spicebox.err().size() - 4000 : 0);
    INFO(("spicebox stderr (tail):\n" + log_tail));
    auto summaries = display_summaries(spicebox.err());
    // remote-viewer's display channel, then spicy-screenshot's.
    REQUIRE(summaries.size() == 2);
    auto& viewer_summary = summaries[0].commands > summaries[1].commands ? summaries[0] : summaries[1];
    auto& late_summary = summaries[0].commands > summaries[1].commands ? summaries[1] : summaries[0];
    MESSAGE((guest + ": remote-viewer was sent " + std::to_string(viewer_summary.commands) + " draw commands ("
        + std::to_string(viewer_summary.cached) + " images from its cache, " + std::to_string(viewer_summary.lz4_images) + " in LZ4), " + std::to_string(viewer_summary.screen_images)
        + " surface images, " + std::to_string(viewer_summary.bytes) + " bytes in " + std::to_string(elapsed.count()) + " ms; "
        + std::to_string(viewer_summary.dropped) + " draws dropped as covered"));
    CHECK(viewer_summary.commands > 100);
    // spice-gtk announces LZ4: the snapshot at least went compressed.
    CHECK(viewer_summary.lz4_images >= 1);
    // Only the snapshot of the moment it joined (one image per surface, or none before the driver drew).
    CHECK(viewer_summary.snapshots == 1);
    CHECK(late_summary.commands == 0);
    CHECK(late_summary.snapshots == 1);
    CHECK(spicebox.err().find("disconnected") == std::string::npos);
}

}

TEST_CASE("remote-viewer connected while demo draws is sent draw commands and shows the screen spicebox rendered" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kRemoteViewer, kXvfb, kXwd, kSpicyScreenshot });
    // Long enough that remote-viewer, which takes about 5 s to start in a nested KVM host, joins well before the
    // animation ends.
    check_commands_reach_viewer("demo", "demo.seconds=12", "demo: ready");
}
