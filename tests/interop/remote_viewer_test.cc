// remote-viewer (virt-viewer 11, spice-gtk 0.42) under Xvfb against spicebox --spice: the X screen is
// captured with xwd and must contain the guest's whole 1024x768 screen pixel for pixel. The X screen is
// 1600x1200 so remote-viewer opens its window at the guest's size (zoom 100%, no scaling: a scaled
// picture would not match exactly). Also: a second client at the same time, closing and reopening the
// viewer, and a wrong password refused while the viewer stays connected.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/interop/remote_viewer.h"
#include "tests/interop/spicebox_process.h"
#include "tests/interop/tools.h"
#include "tests/support/png_reader.h"
#include "tests/support/ppm_reader.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>

using namespace spicebox;
using namespace spicebox::test;

namespace {

constexpr uint32_t kScreenWidth = 1600;
constexpr uint32_t kScreenHeight = 1200;
constexpr auto kStartDeadline = std::chrono::seconds(20);
constexpr auto kPictureDeadline = std::chrono::seconds(30);
constexpr const char* kPassword = "interop-secret";

std::string temp_path(const std::string& name)
{
    return "/tmp/spicebox-interop-" + std::to_string(getpid()) + "-viewer-test-" + name;
}

// A guest's 1024x768 screen as spicebox itself takes it once the guest says `ready` (the guests draw the
// same picture on every boot).
Framebuffer guest_reference(const std::string& guest, const std::string& vga)
{
    auto png = temp_path(guest + "-reference.png");
    auto run = run_spicebox({ "--guest", guest, "--vga", vga, "--wait-serial", guest + ": ready", "--screenshot", png, "--timeout", "30" });
    INFO(describe(run));
    REQUIRE(run.exit_code == 0);
    auto picture = read_png(png);
    std::remove(png.c_str());
    REQUIRE_MESSAGE(picture.ok(), picture.error_message());
    REQUIRE(picture->width == 1024);
    REQUIRE(picture->height == 768);
    return std::move(*picture);
}

Framebuffer vbe_reference() { return guest_reference("vbe", "std"); }

std::unique_ptr<VirtualDisplay> start_display()
{
    auto display = VirtualDisplay::start(kScreenWidth, kScreenHeight, kStartDeadline);
    REQUIRE_MESSAGE(display.ok(), display.error_message());
    return std::move(*display);
}

// spicebox serving the vbe guest with a password, once the guest has drawn.
std::unique_ptr<SpiceboxProcess> start_vbe_server()
{
    auto spicebox = std::make_unique<SpiceboxProcess>(spicebox_path(),
        std::vector<std::string> { "--guest", "vbe", "--vga", "std", "--append", "linger", "--spice", std::string("port=0,password=") + kPassword,
            "--timeout", "120" });
    REQUIRE_MESSAGE(!spicebox->uri().empty(), (spicebox->err()));
    REQUIRE_MESSAGE(spicebox->wait_for_output("vbe: ready", kStartDeadline), (spicebox->out() + spicebox->err()));
    return spicebox;
}

// Waits for the viewer to show `expected`, reporting how long it took.
void check_viewer_shows(const VirtualDisplay& display, RemoteViewer& viewer, const Framebuffer& expected, const std::string& what)
{
    auto found = wait_for_picture(display, expected, kPictureDeadline);
    INFO(("remote-viewer output:\n" + viewer.process().output()));
    REQUIRE_MESSAGE(found.ok(), found.error_message());
    MESSAGE((what + ": the guest's screen appeared at (" + std::to_string(found->position.x) + "," + std::to_string(found->position.y)
        + ") of the X screen after " + std::to_string(found->elapsed.count()) + " ms"));
    CHECK(viewer.process().running());
}

// spicy-screenshot; with `debug`, spice-gtk logs each step of the connection on stdout.
ProcessResult screenshot_client(const std::string& port, const std::string& password, const std::string& ppm, bool debug = false)
{
    std::vector<std::string> environment;
    if (debug)
        environment.push_back("SPICE_DEBUG=1");
    return run_process({ kSpicyScreenshot, "-h", "127.0.0.1", "-p", port, "-w", password, "-o", ppm }, std::chrono::seconds(30),
        { .environment = environment, .stdin_data = std::nullopt });
}

}

TEST_CASE("remote-viewer shows the vbe guest's screen pixel for pixel" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kRemoteViewer, kXvfb, kXwd, kSpicyScreenshot });
    auto reference = vbe_reference();
    auto display = start_display();
    auto spicebox = start_vbe_server();
    RemoteViewer viewer(*display, spicebox->port(), kPassword);
    check_viewer_shows(*display, viewer, reference, "remote-viewer");
    viewer.process().stop();
    spicebox->stop();
    INFO(("spicebox stderr:\n" + spicebox->err()));
    CHECK(spicebox->err().find("link refused") == std::string::npos);
}

// Linux's qxl driver allows 4 heads (max_allowed 4) and configures one. remote-viewer makes a display per
// allowed head; without the display channel's MONITORS_CONFIG cap spice-gtk showed the whole primary in
// each, and three more windows covered the first one.
TEST_CASE("remote-viewer shows the qxl-linux-profile guest (one head of 4 allowed) in one window, pixel for pixel" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kRemoteViewer, kXvfb, kXwd, kSpicyScreenshot });
    auto reference = guest_reference("qxl-linux-profile", "qxl");
    auto display = start_display();
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", "qxl-linux-profile", "--vga", "qxl", "--append", "linger", "--spice", "port=0,disable-ticketing", "--timeout", "120" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    REQUIRE_MESSAGE(spicebox.wait_for_output("qxl-linux-profile: ready", kStartDeadline), (spicebox.out() + spicebox.err()));
    RemoteViewer viewer(*display, spicebox.port(), std::nullopt);
    check_viewer_shows(*display, viewer, reference, "remote-viewer on qxl-linux-profile");
    viewer.process().stop();
    spicebox.stop();
}

TEST_CASE("remote-viewer and spicy-screenshot at once both see the guest; remote-viewer closed and reopened sees it again" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kRemoteViewer, kXvfb, kXwd, kSpicyScreenshot });
    auto reference = vbe_reference();
    auto display = start_display();
    auto spicebox = start_vbe_server();
    auto ppm = temp_path("second-client.ppm");
    {
        RemoteViewer viewer(*display, spicebox->port(), kPassword);
        check_viewer_shows(*display, viewer, reference, "first remote-viewer");
        auto second = screenshot_client(spicebox->port(), kPassword, ppm);
        REQUIRE_MESSAGE(second.exit_code == 0, describe(second));
        auto picture = read_ppm(ppm);
        REQUIRE_MESSAGE(picture.ok(), picture.error_message());
        CHECK(picture_difference(*picture, reference) == "");
        // The viewer is still connected and still shows the guest.
        check_viewer_shows(*display, viewer, reference, "first remote-viewer after spicy-screenshot");
        viewer.process().stop();
    }
    {
        RemoteViewer reopened(*display, spicebox->port(), kPassword);
        check_viewer_shows(*display, reopened, reference, "reopened remote-viewer");
    }
    std::remove(ppm.c_str());
    spicebox->stop();
}

TEST_CASE("a wrong password is refused with PERMISSION_DENIED while a connected remote-viewer keeps its picture" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kRemoteViewer, kXvfb, kXwd, kSpicyScreenshot });
    auto reference = vbe_reference();
    auto display = start_display();
    auto spicebox = start_vbe_server();
    RemoteViewer viewer(*display, spicebox->port(), kPassword);
    check_viewer_shows(*display, viewer, reference, "remote-viewer");

    auto ppm = temp_path("wrong-password.ppm");
    auto wrong = screenshot_client(spicebox->port(), "not-the-password", ppm, true);
    CHECK_MESSAGE(wrong.exit_code == 1, describe(wrong));
    // spice-gtk's debug log of the link result (SPICE_LINK_ERR_PERMISSION_DENIED is 7), and its warning
    // about the main channel's event 23, SPICE_CHANNEL_ERROR_AUTH.
    CHECK_MESSAGE(wrong.out.find("link result: reply 7") != std::string::npos, describe(wrong));
    CHECK_MESSAGE(wrong.err.find("main channel event: 23") != std::string::npos, describe(wrong));
    CHECK(access(ppm.c_str(), F_OK) != 0);

    check_viewer_shows(*display, viewer, reference, "remote-viewer after the refused client");
    auto right = screenshot_client(spicebox->port(), kPassword, ppm);
    CHECK(right.exit_code == 0);
    std::remove(ppm.c_str());
    viewer.process().stop();
    spicebox->stop();
    INFO(("spicebox stderr:\n" + spicebox->err()));
    CHECK(spicebox->err().find("spice: link refused (error 7): wrong password") != std::string::npos);
    // Nothing else was refused or cut off: the viewer's channels stayed linked throughout.
    CHECK(spicebox->err().find("disconnected") == std::string::npos);
}
