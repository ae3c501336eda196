#include "vmm/guest_cpuid.h"

#include <doctest/doctest.h>

using namespace spicebox;

namespace {

kvm_cpuid_entry2 leaf(uint32_t function, uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
    kvm_cpuid_entry2 entry {};
    entry.function = function;
    entry.eax = eax;
    entry.ebx = ebx;
    entry.ecx = ecx;
    entry.edx = edx;
    return entry;
}

const kvm_cpuid_entry2& find(const std::vector<kvm_cpuid_entry2>& entries, uint32_t function)
{
    for (const auto& entry : entries)
        if (entry.function == function)
            return entry;
    FAIL("no leaf " << function);
    return entries.front();
}

// Leaf 1 as an AMD host's KVM reports it (KVM_GET_SUPPORTED_CPUID): no TSC-deadline bit, which KVM emulates
// but leaves to the VMM to announce.
const std::vector<kvm_cpuid_entry2> supported = {
    leaf(0x0, 0xd, 0x68747541, 0x444d4163, 0x69746e65),
    leaf(0x1, 0x00a20f12, 0x00000800, 0x76f8320b, 0x178bfbff),
    leaf(0x6, 0x4, 0, 0x8, 0),
    leaf(0xa, 0x07300403, 0x7f, 0, 0x603),
    leaf(0xb, 0x1, 0x1, 0x100, 0x7),
};

}

TEST_CASE("guest CPUID announces the TSC-deadline timer only where KVM has it")
{
    // Linux 6.1 on the nested host, without the bit, calibrated the LAPIC timer against the PIT and logged
    // "APIC timer disabled due to verification failure".
    CHECK((find(guest_cpuid(supported, { .tsc_deadline = true }), 0x1).ecx & (1u << 24)) != 0);
    CHECK((find(guest_cpuid(supported, { .tsc_deadline = false }), 0x1).ecx & (1u << 24)) == 0);
}

TEST_CASE("guest CPUID gives each vCPU its APIC id and the CPU count, and hides the PMU and EPB")
{
    auto entries = guest_cpuid(supported, { .vcpu_id = 2, .cpu_count = 4 });
    REQUIRE(entries.size() == supported.size());
    const auto& features = find(entries, 0x1);
    CHECK((features.ebx >> 24) == 2);
    CHECK(((features.ebx >> 16) & 0xFF) == 4);
    CHECK((features.ebx & 0xFFFF) == 0x0800);
    CHECK((features.ecx & (1u << 31)) != 0);
    CHECK((features.edx & (1u << 28)) != 0);
    CHECK(find(entries, 0xb).edx == 2);
    CHECK((find(entries, 0x6).ecx & 0x8) == 0);
    const auto& pmu = find(entries, 0xa);
    CHECK(pmu.eax == 0);
    CHECK(pmu.edx == 0);
    CHECK(find(entries, 0x0).ebx == 0x68747541);

    auto single = guest_cpuid(supported, { .vcpu_id = 0, .cpu_count = 1 });
    CHECK((find(single, 0x1).edx & (1u << 28)) == (0x178bfbffu & (1u << 28)));
}
