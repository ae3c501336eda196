// The vga-text and vbe guests booted with --screenshot: each PNG must equal, pixel for pixel, the image
// this file computes from the pattern header the guest drew from (guest-drivers/patterns/), with its own
// small renderer of the rules those patterns rely on. Nothing here comes from a stored image or from the
// device model's code. On a mismatch the expected image is written next to the actual one.
#include "guest-drivers/patterns/vbe_pattern.h"
#include "guest-drivers/patterns/vga_text_pattern.h"
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/support/picture_match.h"
#include "tests/support/png_reader.h"

#include <algorithm>
#include <cstdio>
#include <doctest/doctest.h>
#include <unistd.h>

using namespace spicebox;
using namespace spicebox::test;

namespace {

namespace text = patterns::vga_text;
namespace vbe = patterns::vbe;

std::string screenshot_path(const std::string& name)
{
    return "/tmp/spicebox-test-" + std::to_string(getpid()) + "-" + name + ".png";
}

// The DAC's 6-bit components widened to 8 bits by repeating their top bits (0 -> 0, 63 -> 255).
uint32_t dac_colour(const text::Rgb6& colour)
{
    auto widen = [](uint8_t value) { return uint32_t(value << 2 | value >> 4); };
    return widen(colour.red) << 16 | widen(colour.green) << 8 | widen(colour.blue);
}

// Attribute colour index -> palette register -> DAC entry. The guest loads each DAC entry that a
// palette register names with that colour's value.
uint32_t text_colour(unsigned colour_index)
{
    return dac_colour(text::colour_rgb[colour_index & 15]);
}

Framebuffer expected_text_screen()
{
    Framebuffer screen;
    screen.resize(text::width, text::height);
    for (unsigned row = 0; row < text::rows; ++row) {
        for (unsigned column = 0; column < text::columns; ++column) {
            auto cell = text::cell(row, column);
            uint32_t foreground = text_colour(cell.attribute & 15);
            uint32_t background = text_colour(cell.attribute >> 4);
            bool cursor = row == text::cursor_row && column == text::cursor_column;
            for (unsigned line = 0; line < text::cell_height; ++line) {
                uint8_t bits = text::glyph_row(cell.character, line);
                uint32_t* out = screen.row(row * text::cell_height + line) + column * text::cell_width;
                for (unsigned dot = 0; dot < 8; ++dot)
                    out[dot] = (bits & (0x80 >> dot)) ? foreground : background;
                out[8] = (text::is_line_graphics(cell.character) && (bits & 1)) ? foreground : background;
                if (cursor && line >= text::cursor_start_line && line <= text::cursor_end_line) {
                    for (unsigned dot = 0; dot < text::cell_width; ++dot)
                        out[dot] = foreground;
                }
            }
        }
    }
    return screen;
}

Framebuffer expected_vbe_screen()
{
    Framebuffer screen;
    screen.resize(vbe::width, vbe::height);
    for (unsigned y = 0; y < vbe::height; ++y) {
        for (unsigned x = 0; x < vbe::width; ++x)
            screen.row(y)[x] = vbe::virtual_pixel(x + vbe::x_offset, y + vbe::y_offset);
    }
    return screen;
}

// Boots `guest` with --screenshot (and `vga_arguments`), then compares the PNG with `expected`. The
// PNG is removed when it matches and kept for inspection when it does not.
void check_screenshot(const std::string& guest, const std::vector<std::string>& vga_arguments, const std::string& ready,
    const Framebuffer& expected)
{
    std::string name = guest;
    for (auto& argument : vga_arguments)
        name += "-" + argument.substr(argument.find_first_not_of('-'));
    auto path = screenshot_path(name);
    std::vector<std::string> arguments { "--guest", guest, "--screenshot", path };
    arguments.insert(arguments.end(), vga_arguments.begin(), vga_arguments.end());
    auto result = run_spicebox(arguments);
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find(ready) != std::string::npos);

    auto actual = read_png(path);
    REQUIRE_MESSAGE(actual.ok(), actual.error_message());
    auto difference = screenshot_difference(*actual, expected, path);
    CHECK_MESSAGE(difference.empty(), difference);
    if (difference.empty())
        std::remove(path.c_str());
}

}

TEST_CASE("the expected images have the displayed resolutions")
{
    auto text_screen = expected_text_screen();
    CHECK(text_screen.width == 720);
    CHECK(text_screen.height == 400);
    auto vbe_screen = expected_vbe_screen();
    CHECK(vbe_screen.width == 1024);
    CHECK(vbe_screen.height == 768);
    // The panned window never shows the virtual screen's margin.
    CHECK(std::find(vbe_screen.pixels.begin(), vbe_screen.pixels.end(), vbe::offscreen_colour) == vbe_screen.pixels.end());
}

TEST_CASE("vga-text on --vga std: the 720x400 screenshot is the text pattern, pixel for pixel" * doctest::test_suite(kNeedsKvm))
{
    check_screenshot("vga-text", { "--vga", "std" }, "vga-text: ready", expected_text_screen());
}

TEST_CASE("vga-text on the default card (qxl): the same screen" * doctest::test_suite(kNeedsKvm))
{
    check_screenshot("vga-text", {}, "vga-text: ready", expected_text_screen());
}

TEST_CASE("vbe on --vga std: the 1024x768 screenshot is the panned VBE pattern, pixel for pixel" * doctest::test_suite(kNeedsKvm))
{
    check_screenshot("vbe", { "--vga", "std" }, "vbe: ready", expected_vbe_screen());
}

TEST_CASE("vbe on the default card (qxl): the same screen" * doctest::test_suite(kNeedsKvm))
{
    check_screenshot("vbe", {}, "vbe: ready", expected_vbe_screen());
}

TEST_CASE("a screenshot that cannot be written fails the run with status 1 and one line" * doctest::test_suite(kNeedsKvm))
{
    auto result = run_spicebox({ "--guest", "vga-text", "--vga", "std", "--screenshot", "/nonexistent-directory/shot.png" });
    INFO(describe(result));
    CHECK(result.exit_code == 1);
    CHECK(result.err == "spicebox: cannot write PNG /nonexistent-directory/shot.png: No such file or directory\n");
}

TEST_CASE("--screenshot with --vga none is a usage error")
{
    auto result = run_spicebox({ "--guest", "hello", "--vga", "none", "--screenshot", screenshot_path("none") });
    INFO(describe(result));
    CHECK(result.exit_code == 2);
    CHECK(result.err == "spicebox: --screenshot needs a display adapter: it cannot be used with --vga none\n");
}
