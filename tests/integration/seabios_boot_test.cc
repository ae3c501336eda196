// Debian's SeaBIOS booted with --bios seabios: its VGA BIOS sets text mode 3 and the banner appears on
// the screen, read back both as text (--screen-text) and as pixels (--screenshot). SeaBIOS runs in real
// mode and ring 0, which this workplace's KVM emulates at about one instruction per microsecond: the
// banner took about 2 s here and "No bootable device." about 5 s (2026-11-24, two cores shared with
// builds; on the qxl card with vgabios-qxl.bin the banner took 1.5 s), so 60 s bounds leave ample headroom.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/support/png_reader.h"

#include <algorithm>
#include <cstdio>
#include <doctest/doctest.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

using namespace spicebox;
using namespace spicebox::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSeabios = "/usr/share/seabios/bios.bin";
constexpr const char* kBoundSeconds = "60";
constexpr auto kDeadline = 120s;

// Text mode 3: 80x25 characters of 9x16 pixels.
constexpr uint32_t kTextWidth = 720, kTextHeight = 400, kCellHeight = 16;

std::string temporary_path(const std::string& name)
{
    return "/tmp/spicebox-test-" + std::to_string(getpid()) + "-" + name;
}

std::string file_text(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    std::stringstream text;
    text << file.rdbuf();
    return text.str();
}

bool seabios_installed()
{
    std::ifstream file(kSeabios);
    if (!file)
        MESSAGE("SeaBIOS is missing (", kSeabios, "): scripts/install-deps.sh --test installs Debian's seabios package");
    return bool(file);
}

bool one_clear_line(const std::string& err)
{
    return err.starts_with("spicebox: ") && err.ends_with("\n") && err.find('\n') == err.size() - 1;
}

// The banner on `card` with its VGA BIOS (vgabios-stdvga.bin or vgabios-qxl.bin), as text and as pixels.
void check_banner(const char* card)
{
    auto text_path = temporary_path(std::string("seabios-screen-") + card + ".txt");
    auto png_path = temporary_path(std::string("seabios-screen-") + card + ".png");
    auto result = run_spicebox({ "--bios", "seabios", "--vga", card, "--wait-screen", "SeaBIOS \\(version", "--timeout", kBoundSeconds,
                                   "--screen-text", text_path, "--screenshot", png_path },
        kDeadline);
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    std::string card_name = card;
    MESSAGE("SeaBIOS banner on --vga ", card_name, " reached in ", result.elapsed.count(), " ms");

    auto text = file_text(text_path);
    INFO("screen text:\n", text);
    auto banner = text.find("SeaBIOS (version ");
    CHECK(banner == 0);
    CHECK(std::count(text.begin(), text.end(), '\n') == 25);

    auto screen = read_png(png_path);
    REQUIRE(screen.ok());
    CHECK(screen->width == kTextWidth);
    CHECK(screen->height == kTextHeight);
    // The banner's row has glyph pixels; the last row, still empty, is all background.
    uint32_t background = screen->at(kTextWidth - 1, kTextHeight - 1);
    size_t banner_pixels = 0, last_row_pixels = 0;
    for (uint32_t y = 0; y < kCellHeight; ++y) {
        for (uint32_t x = 0; x < kTextWidth; ++x) {
            banner_pixels += screen->at(x, y) != background;
            last_row_pixels += screen->at(x, kTextHeight - 1 - y) != background;
        }
    }
    CHECK(banner_pixels > 200);
    CHECK(last_row_pixels == 0);
    std::remove(text_path.c_str());
    std::remove(png_path.c_str());
}

}

TEST_CASE("SeaBIOS shows its banner on --vga std, as text and as pixels" * doctest::test_suite(kNeedsKvm))
{
    REQUIRE(seabios_installed());
    check_banner("std");
}

TEST_CASE("SeaBIOS shows its banner on --vga qxl (vgabios-qxl.bin in the card's ROM BAR), as text and as pixels" * doctest::test_suite(kNeedsKvm))
{
    REQUIRE(seabios_installed());
    check_banner("qxl");
}

TEST_CASE("SeaBIOS on the default card runs on to \"No bootable device.\"" * doctest::test_suite(kNeedsKvm))
{
    REQUIRE(seabios_installed());
    auto text_path = temporary_path("seabios-no-boot.txt");
    auto result = run_spicebox({ "--bios", "seabios", "--wait-screen", "No bootable device\\.", "--timeout", kBoundSeconds,
                                   "--screen-text", text_path },
        kDeadline);
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    MESSAGE("SeaBIOS reached \"No bootable device.\" in ", result.elapsed.count(), " ms");
    auto text = file_text(text_path);
    INFO("screen text:\n", text);
    CHECK(text.find("SeaBIOS (version ") == 0);
    CHECK(text.find("No bootable device.") != std::string::npos);
    std::remove(text_path.c_str());
}

TEST_CASE("a --wait-screen that never matches ends with status 3 and the firmware's last words" * doctest::test_suite(kNeedsKvm))
{
    REQUIRE(seabios_installed());
    auto result = run_spicebox({ "--bios", "seabios", "--wait-screen", "this never appears", "--timeout", "5" }, kDeadline);
    INFO(describe(result));
    CHECK(result.exit_code == 3);
    CHECK(result.err.find("spicebox: --timeout reached before --wait-screen matched\n"
                          "spicebox: the firmware's last debug lines (port 0x402):\n  ")
        == 0);
}

TEST_CASE("--bios with a missing file or a bad size: one clear line, status 1")
{
    auto missing = run_spicebox({ "--bios", "/nonexistent" });
    INFO(describe(missing));
    CHECK(missing.exit_code == 1);
    CHECK(one_clear_line(missing.err));
    CHECK(missing.err == "spicebox: cannot read BIOS /nonexistent: No such file or directory\n");

    auto path = temporary_path("bad-bios.bin");
    {
        std::ofstream file(path, std::ios::binary);
        file << std::string(1000, '\xF4');
    }
    auto bad = run_spicebox({ "--bios", path });
    INFO(describe(bad));
    CHECK(bad.exit_code == 1);
    CHECK(one_clear_line(bad.err));
    CHECK(bad.err == "spicebox: BIOS image " + path + " is 1000 bytes: it must be 64 KiB to 16 MiB, a multiple of 64 KiB\n");
    std::remove(path.c_str());
}

TEST_CASE("--screen-text in a graphics mode writes an empty file and says so" * doctest::test_suite(kNeedsKvm))
{
    auto text_path = temporary_path("vbe-screen.txt");
    {
        std::ofstream stale(text_path);
        stale << "stale";
    }
    auto result = run_spicebox({ "--guest", "vbe", "--vga", "std", "--screen-text", text_path, "--timeout", kBoundSeconds }, kDeadline);
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.err == "spicebox: --screen-text: the screen is in a graphics mode; " + text_path + " is empty\n");
    CHECK(file_text(text_path).empty());
    std::remove(text_path.c_str());
}
