// The Debian kernel with our initramfs. It boots in well under a second where guest kernel code runs natively
// (hosts with VT-x/AMD-V); where ring 0 is emulated (the PVM machines that build spicebox) it cannot boot in
// useful time, so the cpuprobe guest decides whether the full boot runs.
#include "tests/integration/run_process.h"

#include "tests/support/png_reader.h"

#include <doctest/doctest.h>
#include <unistd.h>

using namespace spicebox::test;

namespace {

const char* kCommandLine = "console=ttyS0 reboot=k panic=-1 pci=conf1 i8042.noaux i8042.nomux i8042.dumbkbd";

}

TEST_CASE("the Debian kernel is accepted by the loader and runs")
{
    if (!kvm_available() || linux_guest_dir().empty())
        return;
    // Long enough to leave the loader and run kernel code; the kernel has not finished booting by then on an
    // emulated ring 0, and a loader or KVM error would end the run before the deadline with status 1.
    auto result = run_spicebox({ "--kernel", linux_guest_dir() + "/vmlinuz", "--initrd", linux_guest_dir() + "/initramfs.cpio.gz",
                                   "--append", kCommandLine, "--wait-serial", "GUEST-READY", "--timeout", "3" },
        std::chrono::seconds(60));
    INFO(describe(result));
    CHECK((result.exit_code == 0 || result.exit_code == 3));
    CHECK(result.err.find("error") == std::string::npos);
}

namespace {

// Whether guest ring 0 runs natively here, by the cpuprobe guest; prints the reason when it does not.
bool guest_kernel_runs_natively()
{
    auto probe = run_spicebox({ "--guest", "cpuprobe" });
    INFO(describe(probe));
    REQUIRE(probe.exit_code == 0);
    bool native = probe.out.find("cpuprobe: ring0=native") != std::string::npos;
    REQUIRE((native || probe.out.find("cpuprobe: ring0=emulated") != std::string::npos));
    if (!native)
        MESSAGE("skipped: guest ring 0 is emulated on this host (cpuprobe), so a stock kernel cannot boot in useful time");
    return native;
}

}

TEST_CASE("the Debian kernel boots to GUEST-READY with the qxl driver loaded, where guest ring 0 is native")
{
    if (!kvm_available() || linux_guest_dir().empty() || !guest_kernel_runs_natively())
        return;
    auto result = run_spicebox({ "--kernel", linux_guest_dir() + "/vmlinuz", "--initrd", linux_guest_dir() + "/initramfs.cpio.gz",
                                   "--append", kCommandLine, "--wait-serial", "GUEST-READY", "--timeout", "120" },
        std::chrono::seconds(180));
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("insmod qxl.ko failed") == std::string::npos);
}

namespace {

// Boots the Debian kernel on `card` to GUEST-READY with fbcon on the DRM driver, and checks the screenshot
// is the driver's 1024x768 console with text on it.
void check_fbcon_on(const char* card, const char* module)
{
    auto png = "/tmp/spicebox-test-" + std::to_string(getpid()) + "-" + card + ".png";
    auto result = run_spicebox({ "--kernel", linux_guest_dir() + "/vmlinuz", "--initrd", linux_guest_dir() + "/initramfs.cpio.gz",
                                   "--append", std::string(kCommandLine) + " console=tty0", "--vga", card, "--wait-serial", "GUEST-READY",
                                   "--timeout", "120", "--screenshot", png },
        std::chrono::seconds(180));
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find(std::string("insmod ") + module + ".ko failed") == std::string::npos);
    auto screen = spicebox::test::read_png(png);
    std::remove(png.c_str());
    REQUIRE(screen.ok());
    CHECK(screen->width == 1024);
    CHECK(screen->height == 768);
    size_t lit = 0;
    for (uint32_t pixel : screen->pixels)
        lit += (pixel & 0xFFFFFF) != 0;
    CHECK(lit > 1000);
}

}

TEST_CASE("bochs-drm drives --vga std: fbcon fills a 1024x768 screen, where guest ring 0 is native")
{
    if (!kvm_available() || linux_guest_dir().empty() || !guest_kernel_runs_natively())
        return;
    check_fbcon_on("std", "bochs");
}

TEST_CASE("the Debian kernel's qxl driver drives --vga qxl: fbcon on the primary surface, where guest ring 0 is native")
{
    if (!kvm_available() || linux_guest_dir().empty() || !guest_kernel_runs_natively())
        return;
    check_fbcon_on("qxl", "qxl");
}
