#include "vmm/boot_cpu.h"

#include "vmm/memory_layout.h"

#include <array>

namespace spicebox {

namespace {

// Page-table entry bits.
constexpr uint64_t page_present = 1 << 0;
constexpr uint64_t page_writable = 1 << 1;
constexpr uint64_t page_size_2mib = 1 << 7;
constexpr size_t entries_per_table = 512;
constexpr uint64_t large_page_size = 2 * layout::MiB;
using PageTable = std::array<uint64_t, entries_per_table>;
static_assert(sizeof(PageTable) == layout::page_size);

// Control-register and EFER bits.
constexpr uint64_t cr0_pe = 1 << 0;
constexpr uint64_t cr0_mp = 1 << 1;
constexpr uint64_t cr0_et = 1 << 4;
constexpr uint64_t cr0_ne = 1 << 5;
constexpr uint64_t cr0_wp = 1 << 16;
constexpr uint64_t cr0_pg = 1ull << 31;
constexpr uint64_t cr4_pae = 1 << 5;
constexpr uint64_t cr4_osfxsr = 1 << 9;
constexpr uint64_t cr4_osxmmexcpt = 1 << 10;
constexpr uint64_t efer_lme = 1 << 8;
constexpr uint64_t efer_lma = 1 << 10;
constexpr uint64_t rflags_reserved_bit1 = 1 << 1;

constexpr uint32_t flat_limit = 0xFFFF'FFFF; // 4 GiB, page-granular
constexpr uint8_t type_code_execute_read_accessed = 0xB;
constexpr uint8_t type_data_read_write_accessed = 0x3;
constexpr uint8_t type_tss_64bit_busy = 0xB;

// Flat segments at base 0, DPL 0. The GDT is encoded from these same values, so the descriptor
// caches KVM loads and the table in memory agree.
constexpr SegmentState code_segment {
    .base = 0,
    .limit = flat_limit,
    .selector = boot_code_selector,
    .type = type_code_execute_read_accessed,
    .present = true,
    .dpl = 0,
    .db = false,
    .s = true,
    .l = true,
    .g = true,
};
constexpr SegmentState data_segment {
    .base = 0,
    .limit = flat_limit,
    .selector = boot_data_selector,
    .type = type_data_read_write_accessed,
    .present = true,
    .dpl = 0,
    .db = true,
    .s = true,
    .l = false,
    .g = true,
};
constexpr SegmentState tss_segment {
    .base = 0,
    .limit = flat_limit,
    .selector = boot_tss_selector,
    .type = type_tss_64bit_busy,
    .present = true,
    .dpl = 0,
    .db = false,
    .s = false,
    .l = false,
    .g = true,
};

// Descriptor fields (the base bits stay zero: every segment here is at 0).
constexpr unsigned page_shift = 12;
constexpr unsigned descriptor_type_shift = 40;
constexpr unsigned descriptor_dpl_shift = 45;
constexpr unsigned descriptor_limit_high_shift = 48; // limit bits 16..19
constexpr uint64_t descriptor_s = 1ull << 44;
constexpr uint64_t descriptor_present = 1ull << 47;
constexpr uint64_t descriptor_l = 1ull << 53;
constexpr uint64_t descriptor_db = 1ull << 54;
constexpr uint64_t descriptor_g = 1ull << 55;

constexpr uint64_t encode_descriptor(const SegmentState& segment)
{
    uint64_t limit = segment.g ? segment.limit >> page_shift : segment.limit;
    return (limit & 0xFFFF) | (limit >> 16 & 0xF) << descriptor_limit_high_shift
        | uint64_t(segment.type) << descriptor_type_shift | uint64_t(segment.dpl) << descriptor_dpl_shift
        | (segment.s ? descriptor_s : 0) | (segment.present ? descriptor_present : 0) | (segment.l ? descriptor_l : 0)
        | (segment.db ? descriptor_db : 0) | (segment.g ? descriptor_g : 0);
}

kvm_segment to_kvm_segment(const SegmentState& segment)
{
    kvm_segment result {};
    result.base = segment.base;
    result.limit = segment.limit;
    result.selector = segment.selector;
    result.type = segment.type;
    result.present = segment.present;
    result.dpl = segment.dpl;
    result.db = segment.db;
    result.s = segment.s;
    result.l = segment.l;
    result.g = segment.g;
    return result;
}

// Slots 0 and 1 stay null; a 64-bit TSS descriptor takes two slots (its upper half holds base
// bits 32..63, zero here).
constexpr size_t gdt_slots = 6;
constexpr std::array<uint64_t, gdt_slots> boot_gdt {
    0, 0, encode_descriptor(code_segment), encode_descriptor(data_segment), encode_descriptor(tss_segment), 0,
};
static_assert(boot_code_selector / 8 == 2 && boot_data_selector / 8 == 3 && boot_tss_selector / 8 == 4);

enum class Msr : uint32_t {
    Tsc = 0x10,
    SysenterCs = 0x174,
    SysenterEsp = 0x175,
    SysenterEip = 0x176,
    MiscEnable = 0x1A0,
    MtrrDefType = 0x2FF,
    Star = 0xC000'0081,
    Lstar = 0xC000'0082,
    Cstar = 0xC000'0083,
    SyscallMask = 0xC000'0084,
    KernelGsBase = 0xC000'0102,
};
constexpr uint64_t misc_enable_fast_string = 1 << 0;
constexpr uint64_t mtrr_enable = 1 << 11;
constexpr uint64_t mtrr_type_write_back = 6;

constexpr uint16_t fpu_control_word_reset = 0x37F;
constexpr uint32_t mxcsr_reset = 0x1F80;

} // namespace

Result<void> write_boot_page_tables(GuestMemory& memory)
{
    PageTable pml4 {};
    pml4[0] = layout::pdpt_address | page_present | page_writable;
    TRY(memory.write_object(layout::pml4_address, pml4));

    PageTable pdpt {};
    for (unsigned directory = 0; directory < layout::page_directory_count; ++directory) {
        uint64_t directory_address = layout::page_directories_address + directory * layout::page_size;
        pdpt[directory] = directory_address | page_present | page_writable;

        PageTable entries {};
        for (size_t i = 0; i < entries_per_table; ++i) {
            uint64_t physical = (directory * entries_per_table + i) * large_page_size;
            entries[i] = physical | page_present | page_writable | page_size_2mib;
        }
        TRY(memory.write_object(directory_address, entries));
    }
    TRY(memory.write_object(layout::pdpt_address, pdpt));
    return {};
}

Result<void> write_boot_gdt(GuestMemory& memory)
{
    return memory.write_object(layout::boot_gdt_address, boot_gdt);
}

BootCpuState boot_cpu_state(uint64_t entry, uint64_t boot_params)
{
    return BootCpuState {
        .rip = entry,
        .rsi = boot_params,
        .rsp = layout::boot_stack_top,
        .rbp = layout::boot_stack_top,
        .rflags = rflags_reserved_bit1,
        .cr0 = cr0_pe | cr0_mp | cr0_et | cr0_ne | cr0_wp | cr0_pg,
        .cr3 = layout::pml4_address,
        // SSE enabled from the first instruction: compiled ELF guests use it freely (memcpy,
        // struct copies); Linux sets CR4 itself and does not mind.
        .cr4 = cr4_pae | cr4_osfxsr | cr4_osxmmexcpt,
        .efer = efer_lme | efer_lma,
        .gdt = { layout::boot_gdt_address, uint16_t(sizeof boot_gdt - 1) },
        .idt = { layout::boot_idt_address, 0 },
        .cs = code_segment,
        .ds = data_segment,
        .es = data_segment,
        .fs = data_segment,
        .gs = data_segment,
        .ss = data_segment,
        .tr = tss_segment,
        .fpu_control_word = fpu_control_word_reset,
        .mxcsr = mxcsr_reset,
    };
}

void apply_boot_cpu_state(const BootCpuState& state, kvm_regs& regs, kvm_sregs& sregs, kvm_fpu& fpu)
{
    regs = {};
    regs.rip = state.rip;
    regs.rsi = state.rsi;
    regs.rsp = state.rsp;
    regs.rbp = state.rbp;
    regs.rflags = state.rflags;

    sregs.cs = to_kvm_segment(state.cs);
    sregs.ds = to_kvm_segment(state.ds);
    sregs.es = to_kvm_segment(state.es);
    sregs.fs = to_kvm_segment(state.fs);
    sregs.gs = to_kvm_segment(state.gs);
    sregs.ss = to_kvm_segment(state.ss);
    sregs.tr = to_kvm_segment(state.tr);
    sregs.gdt.base = state.gdt.base;
    sregs.gdt.limit = state.gdt.limit;
    sregs.idt.base = state.idt.base;
    sregs.idt.limit = state.idt.limit;
    sregs.cr0 = state.cr0;
    sregs.cr3 = state.cr3;
    sregs.cr4 = state.cr4;
    sregs.efer = state.efer;

    fpu = {};
    fpu.fcw = state.fpu_control_word;
    fpu.mxcsr = state.mxcsr;
}

std::vector<std::pair<uint32_t, uint64_t>> boot_msrs()
{
    auto msr = [](Msr index, uint64_t value) { return std::pair { static_cast<uint32_t>(index), value }; };
    return {
        msr(Msr::SysenterCs, 0),
        msr(Msr::SysenterEsp, 0),
        msr(Msr::SysenterEip, 0),
        msr(Msr::Star, 0),
        msr(Msr::Cstar, 0),
        msr(Msr::KernelGsBase, 0),
        msr(Msr::SyscallMask, 0),
        msr(Msr::Lstar, 0),
        msr(Msr::Tsc, 0),
        msr(Msr::MiscEnable, misc_enable_fast_string),
        msr(Msr::MtrrDefType, mtrr_enable | mtrr_type_write_back),
    };
}

} // namespace spicebox
