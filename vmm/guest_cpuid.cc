#include "vmm/guest_cpuid.h"

namespace spicebox {

namespace {

enum CpuidLeaf : uint32_t {
    kFeatures = 0x1,
    kPowerManagement = 0x6,
    kPerformanceMonitoring = 0xA,
    kExtendedTopology = 0xB,
    kV2ExtendedTopology = 0x1F,
};
constexpr uint32_t kCpuidEcxHypervisor = 1u << 31;
constexpr uint32_t kCpuidEcxTscDeadline = 1u << 24;
constexpr uint32_t kCpuidEdxHyperThreading = 1u << 28;
constexpr uint32_t kCpuidEcxEnergyPerfBias = 1u << 3;

}

std::vector<kvm_cpuid_entry2> guest_cpuid(const std::vector<kvm_cpuid_entry2>& supported, const GuestCpuidOptions& options)
{
    std::vector<kvm_cpuid_entry2> entries = supported;
    for (kvm_cpuid_entry2& entry : entries) {
        switch (entry.function) {
        case kFeatures:
            entry.ebx = (entry.ebx & 0x0000FFFF) | (options.vcpu_id << 24) | ((options.cpu_count & 0xFF) << 16);
            entry.ecx |= kCpuidEcxHypervisor;
            // Without it Linux calibrates the LAPIC timer against the PIT, which fails where the host is slow or
            // noisy ("APIC timer disabled due to verification failure") and leaves every tick to the PIT.
            if (options.tsc_deadline)
                entry.ecx |= kCpuidEcxTscDeadline;
            if (options.cpu_count > 1)
                entry.edx |= kCpuidEdxHyperThreading;
            break;
        case kPowerManagement:
            entry.ecx &= ~kCpuidEcxEnergyPerfBias;
            break;
        case kPerformanceMonitoring:
            // No virtual PMU: guests then leave the performance-counter MSRs alone.
            entry.eax = entry.ebx = entry.ecx = entry.edx = 0;
            break;
        case kExtendedTopology:
        case kV2ExtendedTopology:
            entry.edx = options.vcpu_id;
            break;
        default:
            break;
        }
    }
    return entries;
}

}
