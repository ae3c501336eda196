#include "tests/integration/kvm_requirement.h"

#include "tests/integration/run_process.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace spicebox::test {

namespace {

KvmProbe g_probe;

}

KvmProbe probe_kvm(const std::string& spicebox)
{
    KvmProbe probe;
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        probe.why_not = std::string("/dev/kvm cannot be opened (") + std::strerror(errno) + ")";
        return probe;
    }
    close(fd);
    probe.usable = true;
    auto cpuprobe = run_process({ spicebox, "--guest", "cpuprobe", "--display", "none", "--vga", "none" }, std::chrono::seconds(60));
    probe.ring0_native = cpuprobe.exit_code == 0 && cpuprobe.out.find("cpuprobe: ring0=native") != std::string::npos;
    if (!probe.ring0_native) {
        probe.why_not = cpuprobe.exit_code == 0 ? "guest ring 0 is emulated on this host's KVM (cpuprobe), so a stock kernel cannot boot in useful time"
                                                : "the cpuprobe guest did not run: " + describe(cpuprobe);
    }
    return probe;
}

const KvmProbe& kvm_probe() { return g_probe; }

bool apply_kvm_requirement(doctest::Context& context, const std::string& spicebox, bool required, const char* suite)
{
    g_probe = probe_kvm(spicebox);
    if (g_probe.ring0_native)
        return true;
    if (required) {
        std::fprintf(stderr, "%s: --require-kvm: %s; run the suite through scripts/in-kvm.sh\n", suite, g_probe.why_not.c_str());
        return false;
    }
    std::string excluded = g_probe.usable ? kNeedsNativeKvm : std::string(kNeedsKvm) + "," + kNeedsNativeKvm;
    context.addFilter("test-suite-exclude", excluded.c_str());
    std::fprintf(stderr, "%s: skipping the test suites %s: %s (scripts/in-kvm.sh runs them in a nested KVM host)\n", suite,
        excluded.c_str(), g_probe.why_not.c_str());
    return true;
}

const char* qemu_accelerator() { return g_probe.ring0_native ? "kvm" : "tcg"; }

}
