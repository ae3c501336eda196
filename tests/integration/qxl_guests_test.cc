// The guests that drive the QXL card (guest-drivers/qxl-*), booted on --vga qxl. The hostile guest
// must see every bad command reported and recovered from; the profile guests' screenshots must
// equal, pixel for pixel, images this file computes from their pattern headers with its own
// renderer (nothing comes from the device model or the canvas). On a mismatch the expected image
// is written next to the actual one.
#include "guest-drivers/patterns/qxl_linux_pattern.h"
#include "guest-drivers/patterns/qxl_xorg_pattern.h"
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/support/picture_match.h"
#include "tests/support/png_reader.h"

#include <algorithm>
#include <cstdio>
#include <doctest/doctest.h>
#include <iterator>
#include <regex>
#include <unistd.h>

using namespace spicebox;
using namespace spicebox::test;

namespace {

namespace linux_pattern = patterns::qxl_linux;
namespace xorg = patterns::qxl_xorg;

// qxl-hostile's cases (one PASS line each), the error-interrupt case included.
constexpr size_t hostile_cases = 33;

std::string screenshot_path(const std::string& name)
{
    return "/tmp/spicebox-test-" + std::to_string(getpid()) + "-" + name + ".png";
}

Framebuffer expected_linux_screen()
{
    Framebuffer screen;
    screen.resize(linux_pattern::width, linux_pattern::height);
    for (unsigned y = 0; y < linux_pattern::height; ++y) {
        for (unsigned x = 0; x < linux_pattern::width; ++x)
            screen.row(y)[x] = linux_pattern::screen_pixel(x, y);
    }
    return screen;
}

// The Xorg profile's operations, applied to two framebuffers in order. Copies read their whole
// source before writing (copy_bits may overlap itself).
Framebuffer expected_xorg_screen()
{
    Framebuffer primary;
    primary.resize(xorg::width, xorg::height);
    Framebuffer offscreen;
    offscreen.resize(xorg::offscreen_width, xorg::offscreen_height);
    for (const auto& op : xorg::operations) {
        Framebuffer& target = op.surface == xorg::offscreen_id ? offscreen : primary;
        const Framebuffer& source = op.kind == xorg::Kind::FromOffscreen ? offscreen : target;
        int32_t width = op.area.right - op.area.left;
        int32_t height = op.area.bottom - op.area.top;
        std::vector<uint32_t> block(size_t(width) * height);
        for (int32_t y = 0; y < height; ++y) {
            for (int32_t x = 0; x < width; ++x) {
                uint32_t& pixel = block[size_t(y) * width + x];
                switch (op.kind) {
                case xorg::Kind::Fill:
                    pixel = op.colour;
                    break;
                case xorg::Kind::Image:
                    pixel = xorg::image_pixel(unsigned(op.source_x + x), unsigned(op.source_y + y));
                    break;
                case xorg::Kind::FromOffscreen:
                case xorg::Kind::CopyBits:
                    pixel = source.at(uint32_t(op.source_x + x), uint32_t(op.source_y + y));
                    break;
                }
            }
        }
        for (int32_t y = 0; y < height; ++y)
            std::copy_n(&block[size_t(y) * width], width, target.row(uint32_t(op.area.top + y)) + op.area.left);
    }
    return primary;
}

void check_screenshot(const std::string& guest, const std::string& ready, const Framebuffer& expected)
{
    auto path = screenshot_path(guest);
    auto result = run_spicebox({ "--guest", guest, "--vga", "qxl", "--screenshot", path });
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find(ready) != std::string::npos);
    CHECK(result.out.find("FAIL") == std::string::npos);

    auto actual = read_png(path);
    REQUIRE_MESSAGE(actual.ok(), actual.error_message());
    auto difference = screenshot_difference(*actual, expected, path);
    CHECK_MESSAGE(difference.empty(), difference);
    if (difference.empty())
        std::remove(path.c_str());
}

size_t count_matches(const std::string& text, const std::regex& pattern)
{
    return size_t(std::distance(std::sregex_iterator(text.begin(), text.end(), pattern), std::sregex_iterator()));
}

}

TEST_CASE("the QXL patterns describe the screens the guests draw")
{
    auto linux_screen = expected_linux_screen();
    // The clip lists keep the colour scribbled between dirty rectangles off the screen, and every
    // line's damage shows.
    CHECK(std::find(linux_screen.pixels.begin(), linux_screen.pixels.end(), linux_pattern::hidden_colour) == linux_screen.pixels.end());
    for (unsigned line = 0; line < linux_pattern::lines; ++line) {
        auto dirty = linux_pattern::dirty_rect(line, 1);
        CHECK(linux_pattern::dirty(unsigned(dirty.left), unsigned(dirty.top)));
        CHECK(dirty.right <= int32_t(linux_pattern::width));
    }
    auto xorg_screen = expected_xorg_screen();
    // The scroll moved the window's title bar up 16 pixels, over the background.
    CHECK(xorg_screen.at(100, 30) == xorg::operations[2].colour);
    CHECK(xorg_screen.at(100, 50) == xorg::operations[1].colour);
    // The off-screen surface's white bar reached the primary through a surface copy.
    CHECK(xorg_screen.at(100, 495) == xorg::operations[8].colour);
}

TEST_CASE("qxl-hostile: every bad command and port value is reported, wedges the card, and RESET recovers" * doctest::test_suite(kNeedsKvm))
{
    auto result = run_spicebox({ "--guest", "qxl-hostile", "--vga", "qxl" });
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(count_matches(result.out, std::regex("qxl-hostile: PASS ")) == hostile_cases);
    CHECK(result.out.find("qxl-hostile: FAIL") == std::string::npos);
    CHECK(result.out.find(std::to_string(hostile_cases) + " of " + std::to_string(hostile_cases) + " cases passed") != std::string::npos);
    // The device logs one line per guest bug, and survives them all.
    CHECK(count_matches(result.err, std::regex("guest bug, device stopped until reset")) == hostile_cases);
}

TEST_CASE("qxl-linux-profile: the 1024x768 primary shows the damage copies, clipped, pixel for pixel" * doctest::test_suite(kNeedsKvm))
{
    check_screenshot("qxl-linux-profile", "qxl-linux-profile: ready", expected_linux_screen());
}

TEST_CASE("qxl-xorg-profile: the bottom-up primary shows fills, bitmaps, surface copies and copy_bits, pixel for pixel" * doctest::test_suite(kNeedsKvm))
{
    check_screenshot("qxl-xorg-profile", "qxl-xorg-profile: ready", expected_xorg_screen());
}

TEST_CASE("demo: animates for the seconds asked and leaves its desktop on the QXL primary" * doctest::test_suite(kNeedsKvm))
{
    auto path = screenshot_path("demo");
    auto result = run_spicebox({ "--guest", "demo", "--vga", "qxl", "--append", "demo.seconds=1", "--screenshot", path });
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("demo: ready") != std::string::npos);
    // A second at 30 frames per second, paced by the LAPIC timer.
    CHECK(result.elapsed >= std::chrono::milliseconds(900));
    auto screen = read_png(path);
    REQUIRE_MESSAGE(screen.ok(), screen.error_message());
    CHECK(screen->width == 1024);
    CHECK(screen->height == 768);
    // The task bar (30, 30, 36) along the bottom and the first window's title bar (40, 90, 170).
    CHECK(screen->at(500, 750) == 0x1E1E24);
    CHECK(screen->at(300, 64) == 0x285AAA);
    std::remove(path.c_str());
}
