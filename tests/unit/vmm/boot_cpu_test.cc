#include "vmm/boot_cpu.h"

#include "vmm/memory_layout.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <doctest/doctest.h>
#include <vector>

using namespace spicebox;

namespace {

constexpr uint64_t present_writable = 0x3;
constexpr uint64_t large_page = 0x80;
constexpr uint64_t address_mask = 0x000F'FFFF'FFFF'F000;

struct Translation {
    uint64_t physical;
    uint64_t leaf_flags;
};

// Walks the 4-level tables the way the MMU does for a 2 MiB page.
Translation walk(const GuestMemory& memory, uint64_t virtual_address)
{
    uint64_t pml4e = memory.read_object<uint64_t>(0x9000 + (virtual_address >> 39 & 511) * 8).value();
    REQUIRE((pml4e & present_writable) == present_writable);
    uint64_t pdpte = memory.read_object<uint64_t>((pml4e & address_mask) + (virtual_address >> 30 & 511) * 8).value();
    REQUIRE((pdpte & present_writable) == present_writable);
    CHECK((pdpte & large_page) == 0);
    uint64_t pde = memory.read_object<uint64_t>((pdpte & address_mask) + (virtual_address >> 21 & 511) * 8).value();
    REQUIRE((pde & large_page) != 0);
    return { (pde & address_mask & ~uint64_t(0x1FFFFF)) | (virtual_address & 0x1FFFFF), pde & 0xFFF };
}

} // namespace

TEST_CASE("Boot page tables identity-map the first 4 GiB with 2 MiB pages")
{
    std::vector<uint8_t> ram(layout::MiB, 0xEE);
    GuestMemory memory;
    REQUIRE(memory.add_region(0, ram, "ram").ok());
    REQUIRE(write_boot_page_tables(memory).ok());

    for (uint64_t address : { 0x0ull, 0x100000ull, 0x1234567ull, 0xBFFFFFFFull, 0xFEC00000ull, 0xFFFFFFFFull }) {
        Translation translation = walk(memory, address);
        CHECK(translation.physical == address);
        CHECK(translation.leaf_flags == (present_writable | large_page));
    }
    // Only the first PML4 and the first four PDPT entries are present: nothing above 4 GiB.
    CHECK(memory.read_object<uint64_t>(0x9008).value() == 0);
    CHECK(memory.read_object<uint64_t>(0xA000 + 4 * 8).value() == 0);
    CHECK(memory.read_object<uint64_t>(0xA000).value() == (0xB000 | present_writable));
    CHECK(memory.read_object<uint64_t>(0xA018).value() == (0xE000 | present_writable));
}

TEST_CASE("Boot GDT holds the descriptors boot.rst asks for")
{
    std::vector<uint8_t> ram(layout::MiB);
    GuestMemory memory;
    REQUIRE(memory.add_region(0, ram, "ram").ok());
    REQUIRE(write_boot_gdt(memory).ok());

    auto gdt = memory.read_object<std::array<uint64_t, 6>>(0x500).value();
    CHECK(gdt[0] == 0);
    CHECK(gdt[1] == 0);
    CHECK(gdt[2] == 0x00AF9B000000FFFF); // 64-bit code, DPL 0, execute/read
    CHECK(gdt[3] == 0x00CF93000000FFFF); // 32-bit-default data, read/write
    CHECK(gdt[4] == 0x008F8B000000FFFF); // busy 64-bit TSS at base 0
    CHECK(gdt[5] == 0);
}

TEST_CASE("Boot CPU state enters long mode at the entry point with the zero page in RSI")
{
    BootCpuState state = boot_cpu_state(0x100200, 0x7000);
    CHECK(state.rip == 0x100200);
    CHECK(state.rsi == 0x7000);
    CHECK(state.rsp == 0x8FF0);
    CHECK(state.rbp == 0x8FF0);
    CHECK(state.rflags == 0x2);
    CHECK(state.cr3 == 0x9000);
    CHECK((state.cr0 & 0x80000001) == 0x80000001); // PG and PE
    CHECK((state.cr0 & 0x60000000) == 0);          // caches on (CD and NW clear)
    CHECK((state.cr4 & 0x20) != 0);                // PAE
    CHECK(state.efer == 0x500);                    // LME and LMA
    CHECK(state.gdt.base == 0x500);
    CHECK(state.gdt.limit == 47);
    CHECK(state.idt.base == 0x520);
    CHECK(state.idt.limit == 0);

    kvm_regs regs;
    std::memset(&regs, 0xFF, sizeof regs);
    kvm_sregs sregs {};
    sregs.apic_base = 0xFEE00900;
    kvm_fpu fpu;
    std::memset(&fpu, 0xFF, sizeof fpu);
    apply_boot_cpu_state(state, regs, sregs, fpu);

    CHECK(regs.rip == 0x100200);
    CHECK(regs.rsi == 0x7000);
    CHECK(regs.rsp == 0x8FF0);
    CHECK(regs.rflags == 0x2);
    CHECK(regs.rax == 0);
    CHECK(regs.r15 == 0);

    CHECK(sregs.cs.selector == 0x10);
    CHECK(sregs.cs.l == 1);
    CHECK(sregs.cs.db == 0);
    CHECK(sregs.cs.type == 0xB);
    CHECK(sregs.cs.limit == 0xFFFFFFFF);
    CHECK(sregs.cs.g == 1);
    for (const kvm_segment* data : { &sregs.ds, &sregs.es, &sregs.fs, &sregs.gs, &sregs.ss }) {
        CHECK(data->selector == 0x18);
        CHECK(data->type == 0x3);
        CHECK(data->s == 1);
        CHECK(data->present == 1);
        CHECK(data->db == 1);
    }
    CHECK(sregs.tr.selector == 0x20);
    CHECK(sregs.tr.type == 0xB);
    CHECK(sregs.tr.s == 0);
    CHECK(sregs.gdt.base == 0x500);
    CHECK(sregs.gdt.limit == 47);
    CHECK(sregs.idt.base == 0x520);
    CHECK(sregs.cr0 == state.cr0);
    CHECK(sregs.cr3 == 0x9000);
    CHECK(sregs.cr4 == state.cr4);
    CHECK(sregs.efer == 0x500);
    CHECK(sregs.apic_base == 0xFEE00900);

    CHECK(fpu.fcw == 0x37F);
    CHECK(fpu.mxcsr == 0x1F80);
    CHECK(fpu.fsw == 0);
}

TEST_CASE("Boot MSRs")
{
    auto msrs = boot_msrs();
    auto value_of = [&](uint32_t index) {
        auto it = std::find_if(msrs.begin(), msrs.end(), [&](auto& msr) { return msr.first == index; });
        REQUIRE(it != msrs.end());
        return it->second;
    };
    CHECK(value_of(0x2FF) == 0x806); // MTRRs on, default write-back
    CHECK(value_of(0x1A0) == 1);     // fast strings
    CHECK(value_of(0x10) == 0);      // TSC
    CHECK(value_of(0x174) == 0);     // SYSENTER_CS
    CHECK(value_of(0xC0000082) == 0);
    CHECK(msrs.size() == 11);
}
