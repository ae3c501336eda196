// What the boot vCPU needs to start in 64-bit mode at a kernel's entry point (boot.rst, "64-bit
// Boot Protocol"): identity-mapped page tables, a GDT with __BOOT_CS = 0x10 and __BOOT_DS = 0x18,
// and the register, FPU and MSR values the loader hands over. Values follow Firecracker's
// regs.rs/gdt.rs/msr.rs, with the GDT slots boot.rst names.
#pragma once

#include "base/result.h"
#include "vmm/guest_memory.h"

#include <cstdint>
#include "vmm/kvm_abi.h"
#include <utility>
#include <vector>

namespace spicebox {

constexpr uint16_t boot_code_selector = 0x10;
constexpr uint16_t boot_data_selector = 0x18;
constexpr uint16_t boot_tss_selector = 0x20;

// Identity map of 0..4 GiB in 2 MiB pages (present, writable): PML4 at layout::pml4_address, PDPT
// at layout::pdpt_address, four page directories from layout::page_directories_address.
Result<void> write_boot_page_tables(GuestMemory&);

// GDT at layout::boot_gdt_address: two null slots, 64-bit code (0x10), data (0x18), and a 64-bit
// TSS (0x20, two slots), encoded from the same segments boot_cpu_state() loads.
Result<void> write_boot_gdt(GuestMemory&);

// A segment register as KVM describes it (limit in bytes).
struct SegmentState {
    uint64_t base;
    uint32_t limit;
    uint16_t selector;
    uint8_t type;
    bool present;
    uint8_t dpl;
    bool db;
    bool s; // code or data rather than a system segment
    bool l;
    bool g;
};

struct DescriptorTableState {
    uint64_t base;
    uint16_t limit;
};

struct BootCpuState {
    uint64_t rip;
    uint64_t rsi;
    uint64_t rsp;
    uint64_t rbp;
    uint64_t rflags;
    uint64_t cr0;
    uint64_t cr3;
    uint64_t cr4;
    uint64_t efer;
    DescriptorTableState gdt;
    DescriptorTableState idt;
    SegmentState cs;
    SegmentState ds;
    SegmentState es;
    SegmentState fs;
    SegmentState gs;
    SegmentState ss;
    SegmentState tr;
    uint16_t fpu_control_word;
    uint32_t mxcsr;
};

// Long mode with paging on, RIP = entry, RSI = boot_params, RSP = RBP = the boot stack, interrupts
// off. The IDT has limit 0: the kernel installs its own before it enables interrupts, and any
// earlier exception ends in a triple fault (a clean KVM_EXIT_SHUTDOWN).
BootCpuState boot_cpu_state(uint64_t entry, uint64_t boot_params);

// Writes `state` into all of `regs` and `fpu`, and into the segments, descriptor tables, control
// registers and EFER of `sregs`, which should come from KVM_GET_SREGS: its APIC base and the rest
// keep KVM's values.
void apply_boot_cpu_state(const BootCpuState& state, kvm_regs& regs, kvm_sregs& sregs, kvm_fpu& fpu);

// (MSR index, value) pairs for KVM_SET_MSRS: SYSENTER/SYSCALL MSRs and the TSC cleared, fast
// strings enabled, MTRRs enabled with write-back as the default memory type.
std::vector<std::pair<uint32_t, uint64_t>> boot_msrs();

} // namespace spicebox
