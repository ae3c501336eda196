// remote-viewer under Xvfb against spicebox running the demo guest, driven by xdotool as a person would:
// it types a word into the viewer's window and moves and clicks the mouse over the guest's picture; the
// guest reports on serial every key it read from the i8042 and where its vmmouse put the pointer. The
// viewer is in client mouse mode (spice-gtk asks for it as soon as the server offers it), so a pointer
// at a pixel of the guest's picture on the X screen must be reported at exactly that pixel.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/interop/remote_viewer.h"
#include "tests/interop/spicebox_process.h"
#include "tests/interop/tools.h"
#include "tests/support/png_reader.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>

using namespace spicebox;
using namespace spicebox::test;

namespace {

constexpr uint32_t kScreenWidth = 1600;
constexpr uint32_t kScreenHeight = 1200;
constexpr auto kStartDeadline = std::chrono::seconds(20);
constexpr auto kReportDeadline = std::chrono::seconds(10);
// The demo's top rows: background and window frames that no animation touches, to find its picture by.
constexpr uint32_t kLandmarkRows = 56;

// The demo's top rows as spicebox itself draws them.
Framebuffer demo_landmark()
{
    auto png = "/tmp/spicebox-interop-" + std::to_string(getpid()) + "-demo-landmark.png";
    auto run = run_spicebox({ "--guest", "demo", "--append", "demo.seconds=1", "--screenshot", png, "--timeout", "30" });
    INFO(describe(run));
    REQUIRE(run.exit_code == 0);
    auto picture = read_png(png);
    std::remove(png.c_str());
    REQUIRE_MESSAGE(picture.ok(), picture.error_message());
    REQUIRE(picture->width == 1024);
    Framebuffer top;
    top.resize(picture->width, kLandmarkRows);
    for (uint32_t y = 0; y < kLandmarkRows; ++y) {
        for (uint32_t x = 0; x < picture->width; ++x)
            top.row(y)[x] = picture->at(x, y);
    }
    return top;
}

void xdotool(const VirtualDisplay& display, std::vector<std::string> arguments)
{
    arguments.insert(arguments.begin(), kXdotool);
    ChildProcess tool(arguments, ChildOptions { .environment = { display.display_variable() }, .fd3 = std::nullopt });
    auto status = tool.wait(std::chrono::seconds(10));
    INFO(tool.output());
    REQUIRE(status == 0);
}

std::vector<std::string> key_lines(const std::string& out)
{
    std::vector<std::string> lines;
    std::istringstream stream(out);
    for (std::string line; std::getline(stream, line);) {
        if (line.starts_with("demo: key "))
            lines.push_back(line.substr(10));
    }
    return lines;
}

}

TEST_CASE("remote-viewer: typing and the mouse in the viewer's window reach the demo guest, the pointer at the exact pixel" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kRemoteViewer, kXvfb, kXwd, kXdotool });
    auto landmark = demo_landmark();
    auto display = VirtualDisplay::start(kScreenWidth, kScreenHeight, kStartDeadline);
    REQUIRE_MESSAGE(display.ok(), display.error_message());
    SpiceboxProcess spicebox(spicebox_path(), { "--guest", "demo", "--append", "demo.seconds=0", "--spice", "port=0,disable-ticketing", "--timeout", "90" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    REQUIRE_MESSAGE(spicebox.wait_for_output("demo: absolute pointer (vmmouse)\n", kStartDeadline), (spicebox.out() + spicebox.err()));

    RemoteViewer viewer(**display, spicebox.port(), std::nullopt);
    auto found = wait_for_picture(**display, landmark, std::chrono::seconds(30));
    REQUIRE_MESSAGE(found.ok(), (found.error_message() + "\n" + viewer.process().output()));
    auto origin = found->position;
    MESSAGE("the guest's picture is at " << origin.x << "," << origin.y << " on the X screen, found after " << found->elapsed.count() << " ms");

    auto move_to = [&](uint32_t x, uint32_t y) {
        xdotool(**display, { "mousemove", std::to_string(origin.x + x), std::to_string(origin.y + y) });
    };
    // The pointer over the picture gives the viewer the keyboard (Xvfb focuses the window under the pointer).
    move_to(100, 200);
    CHECK_MESSAGE(spicebox.wait_for_output("demo: position 100 200 0\n", kReportDeadline), (spicebox.out() + viewer.process().output()));
    xdotool(**display, { "mousedown", "1" });
    CHECK_MESSAGE(spicebox.wait_for_output("demo: position 100 200 1\n", kReportDeadline), (spicebox.out()));
    move_to(700, 500);
    CHECK_MESSAGE(spicebox.wait_for_output("demo: position 700 500 1\n", kReportDeadline), (spicebox.out()));
    xdotool(**display, { "mouseup", "1" });
    CHECK_MESSAGE(spicebox.wait_for_output("demo: position 700 500 0\n", kReportDeadline), (spicebox.out()));
    move_to(1023, 767);
    CHECK_MESSAGE(spicebox.wait_for_output("demo: position 1023 767 0\n", kReportDeadline), (spicebox.out()));

    xdotool(**display, { "type", "--delay", "50", "hello" });
    CHECK_MESSAGE(spicebox.wait_for_output("demo: key 98\n", kReportDeadline), (spicebox.out() + viewer.process().output()));
    // h e l l o as set-1 make and break codes.
    CHECK(key_lines(spicebox.out()) == std::vector<std::string> { "23", "a3", "12", "92", "26", "a6", "26", "a6", "18", "98" });
    spicebox.stop();
    CHECK(spicebox.out().find("demo: pointer") == std::string::npos);
}
