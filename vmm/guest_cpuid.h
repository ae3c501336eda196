// The CPUID a vCPU shows its guest: what KVM supports, adjusted for a PC with `cpu_count` CPUs.
#pragma once

#include <cstdint>
#include <linux/kvm.h>
#include <vector>

namespace spicebox {

struct GuestCpuidOptions {
    unsigned vcpu_id = 0;
    unsigned cpu_count = 1;
    // KVM has KVM_CAP_TSC_DEADLINE_TIMER: it emulates the LAPIC's TSC-deadline mode but leaves announcing it
    // to the VMM.
    bool tsc_deadline = false;
};

// This vCPU's APIC id and the CPU count in leaf 1 and the topology leaves, the hypervisor bit, the
// TSC-deadline timer where KVM has it; no energy-performance bias, no PMU.
std::vector<kvm_cpuid_entry2> guest_cpuid(const std::vector<kvm_cpuid_entry2>& supported, const GuestCpuidOptions&);

}
