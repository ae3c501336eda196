// The Debian kernel with our initramfs (guest-drivers/linux/build-initramfs.sh), on the real drivers: bochs-drm on
// --vga std and the qxl DRM driver on --vga qxl. The initramfs clears fbcon's console and writes one banner line;
// what spicebox shows must be what QEMU shows for the same kernel, initramfs and command line, pixel for pixel.
// A stock kernel needs guest ring 0 to run natively (kNeedsNativeKvm); scripts/in-kvm.sh provides that anywhere.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/qemu_screen.h"
#include "tests/integration/run_process.h"
#include "tests/support/picture_match.h"
#include "tests/support/png_reader.h"

#include <cstdio>
#include <string>
#include <vector>
#include <doctest/doctest.h>
#include <unistd.h>

using namespace spicebox;
using namespace spicebox::test;

namespace {

// quiet: every console byte is a port exit, slow in a nested host. spicebox.stay=1: the guest keeps its screen
// after GUEST-READY, for QEMU's screendump.
const std::string kCommandLine = "console=ttyS0 quiet reboot=k panic=-1 pci=conf1 i8042.noaux i8042.nomux i8042.dumbkbd spicebox.stay=1";
constexpr auto kBootDeadline = std::chrono::seconds(240);

std::string kernel() { return linux_guest_dir() + "/vmlinuz"; }
std::string initramfs() { return linux_guest_dir() + "/initramfs.cpio.gz"; }

}

TEST_CASE("the Debian kernel is accepted by the loader and runs" * doctest::test_suite(kNeedsKvm))
{
    // Long enough to leave the loader and run kernel code, where ring 0 is emulated too; a loader or KVM error
    // would end the run before the deadline with status 1.
    auto result = run_spicebox({ "--kernel", kernel(), "--initrd", initramfs(), "--append", kCommandLine, "--wait-serial", "GUEST-READY",
                                   "--timeout", "3" },
        std::chrono::seconds(60));
    INFO(describe(result));
    CHECK((result.exit_code == 0 || result.exit_code == 3));
    CHECK(result.err.find("error") == std::string::npos);
}

TEST_CASE("the Debian kernel boots to GUEST-READY with the qxl driver loaded" * doctest::test_suite(kNeedsNativeKvm))
{
    auto result = run_spicebox({ "--kernel", kernel(), "--initrd", initramfs(), "--append", kCommandLine, "--wait-serial", "GUEST-READY",
                                   "--timeout", "120" },
        kBootDeadline);
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("insmod qxl.ko failed") == std::string::npos);
    MESSAGE(("GUEST-READY on --vga qxl after " + std::to_string(result.elapsed.count()) + " ms"));
}

namespace {

// Boots the Debian kernel on `card` to GUEST-READY on spicebox and on QEMU, and compares the two screens.
void check_fbcon_against_qemu(const char* card, const char* module)
{
    auto png = "/tmp/spicebox-test-" + std::to_string(getpid()) + "-linux-" + card + ".png";
    auto result = run_spicebox({ "--kernel", kernel(), "--initrd", initramfs(), "--append", kCommandLine, "--vga", card, "--wait-serial",
                                   "GUEST-READY", "--timeout", "120", "--screenshot", png },
        kBootDeadline);
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find(std::string("insmod ") + module + ".ko failed") == std::string::npos);
    // What spicebox logs about the guest's commands is a driver behaviour to look at: none is expected.
    CHECK(result.err.empty());
    MESSAGE(("GUEST-READY on --vga " + std::string(card) + " after " + std::to_string(result.elapsed.count()) + " ms"));
    auto ours = read_png(png);
    REQUIRE_MESSAGE(ours.ok(), ours.error_message());

    // QEMU's stdvga EDID prefers 1280x800 where ours prefers 1024x768 (what qxl's driver picks too).
    std::vector<std::string> qemu { "-machine", "pc", "-m", "256", "-vga", card, "-global", "VGA.xres=1024", "-global", "VGA.yres=768",
        "-nic", "none", "-kernel", kernel(), "-initrd", initramfs(), "-append", kCommandLine };
    auto started = std::chrono::steady_clock::now();
    auto theirs = qemu_screen_at(std::string("linux-") + card, qemu, "GUEST-READY", kBootDeadline);
    REQUIRE_MESSAGE(theirs.ok(), theirs.error_message());
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    MESSAGE(("QEMU (" + std::string(qemu_accelerator()) + ") reached GUEST-READY on -vga " + card + " in " + std::to_string(took.count()) + " ms"));

    CHECK(ours->width == 1024);
    CHECK(ours->height == 768);
    auto difference = screenshot_difference(*ours, *theirs, png);
    CHECK_MESSAGE(difference.empty(), difference);
    size_t lit = 0;
    for (uint32_t pixel : ours->pixels)
        lit += (pixel & 0xFFFFFF) != 0;
    CHECK(lit > 1000);
    if (difference.empty())
        std::remove(png.c_str());
}

}

TEST_CASE("bochs-drm drives --vga std: fbcon's console equals QEMU's for the same kernel" * doctest::test_suite(kNeedsNativeKvm))
{
    check_fbcon_against_qemu("std", "bochs");
}

TEST_CASE("the qxl DRM driver drives --vga qxl: fbcon's console equals QEMU's for the same kernel" * doctest::test_suite(kNeedsNativeKvm))
{
    check_fbcon_against_qemu("qxl", "qxl");
}
