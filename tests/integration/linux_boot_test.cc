// The Debian kernel with our initramfs. It boots in well under a second where guest kernel code runs natively
// (hosts with VT-x/AMD-V); where ring 0 is emulated (the PVM machines that build spicebox) it cannot boot in
// useful time, so the cpuprobe guest decides whether the full boot runs.
#include "tests/integration/run_process.h"

#include <doctest/doctest.h>

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

TEST_CASE("the Debian kernel boots to GUEST-READY with the qxl driver loaded, where guest ring 0 is native")
{
    if (!kvm_available() || linux_guest_dir().empty())
        return;
    auto probe = run_spicebox({ "--guest", "cpuprobe" });
    INFO(describe(probe));
    REQUIRE(probe.exit_code == 0);
    bool native = probe.out.find("cpuprobe: ring0=native") != std::string::npos;
    REQUIRE((native || probe.out.find("cpuprobe: ring0=emulated") != std::string::npos));
    if (!native) {
        MESSAGE("skipped: guest ring 0 is emulated on this host (cpuprobe), so a stock kernel cannot boot in useful time");
        return;
    }
    auto result = run_spicebox({ "--kernel", linux_guest_dir() + "/vmlinuz", "--initrd", linux_guest_dir() + "/initramfs.cpio.gz",
                                   "--append", kCommandLine, "--wait-serial", "GUEST-READY", "--timeout", "120" },
        std::chrono::seconds(180));
    INFO(describe(result));
    CHECK(result.exit_code == 0);
    CHECK(result.out.find("insmod qxl.ko failed") == std::string::npos);
}
