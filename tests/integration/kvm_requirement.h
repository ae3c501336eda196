// Which of a suite's test cases this machine can run. Test cases that boot a guest under KVM are in the
// doctest test suite kNeedsKvm; those that boot a stock kernel, which needs guest ring 0 to run natively,
// in kNeedsNativeKvm. A suite's main probes once and excludes what cannot run here, so doctest counts it
// as skipped, never as passed; scripts/in-kvm.sh runs a suite where KVM is usable.
#pragma once

#include <doctest/doctest.h>
#include <string>

namespace spicebox::test {

constexpr const char* kNeedsKvm = "kvm";
constexpr const char* kNeedsNativeKvm = "kvm-native";

struct KvmProbe {
    bool usable { false };       // /dev/kvm opens
    bool ring0_native { false }; // and the cpuprobe guest finds guest ring 0 native on it
    std::string why_not;         // what is missing, for the skip line
};

// Opens /dev/kvm and boots `spicebox --guest cpuprobe`.
KvmProbe probe_kvm(const std::string& spicebox);

// The probe the running suite made (set by apply_kvm_requirement).
const KvmProbe& kvm_probe();

// Probes, then excludes the suites this machine cannot run from `context`, saying on stderr which and why.
// With `required` (--require-kvm) a missing KVM is an error instead: returns false after saying so.
bool apply_kvm_requirement(doctest::Context& context, const std::string& spicebox, bool required, const char* suite);

// What QEMU runs its guests with in these tests: KVM where guest ring 0 is native, else TCG.
const char* qemu_accelerator();

}
