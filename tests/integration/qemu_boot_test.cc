// The built-in guests' ELF files booted by QEMU (-kernel, through their PVH note): hello to its
// marker and exit status, and the screens of vbe and demo on QEMU's qxl-vga, taken with QMP's
// screendump, against the pattern vbe drew from and against spicebox's own --screenshot of demo. The
// same guest file on both VMMs checks the PVH entry, and our devices against QEMU's.
//
// QEMU runs with KVM where guest ring 0 is native and with TCG elsewhere (qemu_accelerator()): on a KVM
// that emulates ring 0, SeaBIOS (which runs before the PVH entry) takes about 3.7 s, TCG boots hello in 70 ms.
#include "guest-drivers/patterns/vbe_pattern.h"
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/qemu_screen.h"
#include "tests/integration/run_process.h"
#include "tests/interop/child_process.h"
#include "tests/support/picture_match.h"
#include "tests/support/png_reader.h"
#include "tests/support/ppm_reader.h"
#include "tests/support/socket_path.h"

#include <cstdio>
#include <cstdlib>
#include <doctest/doctest.h>
#include <fstream>
#include <iterator>
#include <string_view>
#include <thread>
#include <unistd.h>

using namespace spicebox;
using namespace spicebox::test;

namespace {

namespace vbe = patterns::vbe;

constexpr auto kBootDeadline = std::chrono::seconds(60);
// isa-debug-exit at the port our runtime writes its status to; QEMU exits with (status << 1) | 1.
constexpr const char* kDebugExit = "isa-debug-exit,iobase=0x501,iosize=1";
constexpr int kGuestPassed = (0 << 1) | 1;

std::string image(const std::string& guest) { return guest_images_dir() + "/" + guest + ".elf"; }

std::string temporary(const std::string& name)
{
    return "/tmp/spicebox-qemu-" + std::to_string(getpid()) + "-" + name;
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

// Boots `guest` on QEMU's qxl-vga with `linger` (so it stays after drawing), waits for `ready` on
// its serial output, and returns QEMU's screendump.
Result<Framebuffer> qemu_screen(const std::string& guest, const std::string& append, const std::string& ready)
{
    return qemu_screen_at(guest, { "-machine", "pc", "-m", "256", "-vga", "qxl", "-device", kDebugExit, "-kernel", image(guest), "-append", append + " linger" },
        ready, kBootDeadline);
}

}

TEST_CASE("QEMU boots hello.elf through its PVH note: the greeting, the status through isa-debug-exit")
{
    auto qemu = qemu_path();
    REQUIRE_MESSAGE(!qemu.empty(), "qemu-system-x86_64 is not on PATH (scripts/install-deps.sh --test installs it)");
    auto result = run_process({ qemu, "-accel", qemu_accelerator(), "-machine", "pc", "-m", "128", "-display", "none", "-serial", "stdio",
                                  "-device", kDebugExit, "-kernel", image("hello") },
        kBootDeadline);
    INFO(describe(result));
    CHECK(result.exit_code == kGuestPassed);
    CHECK(result.out.find("Hello from the spicebox hello guest!") != std::string::npos);
    CHECK(result.out.find("hello: running in ring 3") != std::string::npos);
    // The memory map comes from hvm_start_info: the 128 MiB given, less the firmware's reserved areas.
    constexpr std::string_view marker = "hello: booted by PVH, ";
    auto at = result.out.find(marker);
    REQUIRE(at != std::string::npos);
    unsigned long ram_kib = std::strtoul(result.out.c_str() + at + marker.size(), nullptr, 10);
    CHECK(ram_kib > 126 * 1024);
    CHECK(ram_kib <= 128 * 1024);
}

TEST_CASE("QEMU passes the command line through hvm_start_info: hello.exit=reset resets the machine")
{
    auto qemu = qemu_path();
    REQUIRE(!qemu.empty());
    auto result = run_process({ qemu, "-accel", qemu_accelerator(), "-machine", "pc", "-m", "128", "-display", "none", "-serial", "stdio",
                                  "-no-reboot", "-device", kDebugExit, "-kernel", image("hello"), "-append", "hello.exit=reset" },
        kBootDeadline);
    INFO(describe(result));
    // With -no-reboot a reset ends QEMU with status 0, which the debug-exit port cannot give.
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("hello: resetting through the i8042") != std::string::npos);
    CHECK(result.out.find("did not end the run") == std::string::npos);
}

TEST_CASE("vbe on QEMU's qxl-vga: the screendump is the panned VBE pattern, pixel for pixel")
{
    REQUIRE(!qemu_path().empty());
    auto screen = qemu_screen("vbe", "", "vbe: ready");
    REQUIRE_MESSAGE(screen.ok(), screen.error_message());
    auto difference = picture_difference(*screen, expected_vbe_screen());
    CHECK_MESSAGE(difference.empty(), difference);
}

TEST_CASE("demo on QEMU's qxl-vga equals demo on spicebox: QEMU's screendump and spicebox's --screenshot" * doctest::test_suite(kNeedsKvm))
{
    REQUIRE(!qemu_path().empty());
    // A fixed number of frames (demo.seconds at 30 per second), so both runs end on the same screen.
    auto qemu_screen_result = qemu_screen("demo", "demo.seconds=1", "demo: ready");
    REQUIRE_MESSAGE(qemu_screen_result.ok(), qemu_screen_result.error_message());

    auto path = temporary("demo.png");
    auto result = run_spicebox({ "--kernel", image("demo"), "--vga", "qxl", "--append", "demo.seconds=1", "--screenshot", path });
    INFO(describe(result));
    REQUIRE(result.exit_code == 0);
    auto spicebox_screen = read_png(path);
    REQUIRE_MESSAGE(spicebox_screen.ok(), spicebox_screen.error_message());
    auto difference = screenshot_difference(*qemu_screen_result, *spicebox_screen, path);
    CHECK_MESSAGE(difference.empty(), difference);
    // Not a blank screen on both sides: the task bar's colour along the bottom (30, 30, 36).
    CHECK(qemu_screen_result->at(500, 750) == 0x1E1E24);
    if (difference.empty())
        std::remove(path.c_str());
}
