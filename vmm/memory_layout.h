// The guest-physical address map of a spicebox machine: where RAM lives, where the 32-bit PCI hole
// and the interrupt controllers sit, and the fixed addresses of everything the loaders write for the
// 64-bit boot entry. The boot-area addresses follow Firecracker's layout, which the Linux 64-bit boot
// protocol (Documentation/arch/x86/boot.rst) is known to accept.
#pragma once

#include <cstdint>
#include <vector>

namespace spicebox::layout {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
constexpr uint64_t GiB = 1024 * MiB;
constexpr uint64_t page_size = 4 * KiB;

// RAM starts at 0 and fills the space below the PCI hole; whatever does not fit continues at 4 GiB.
constexpr uint64_t low_ram_limit = 3 * GiB;
constexpr uint64_t high_ram_start = 4 * GiB;

// PCI BARs are assigned in [pci_hole_start, pci_hole_end); the interrupt controllers follow it.
constexpr uint64_t pci_hole_start = 0xC000'0000;
constexpr uint64_t pci_hole_end = 0xFEC0'0000;
constexpr uint64_t ioapic_address = 0xFEC0'0000;
constexpr uint64_t lapic_address = 0xFEE0'0000;

// The BIOS ROM, if any, ends at 4 GiB and may take up to its top 16 MiB. KVM on Intel needs one page
// for the identity page table (KVM_SET_IDENTITY_MAP_ADDR) and three for the real-mode TSS
// (KVM_SET_TSS_ADDR) right below that, as QEMU places them (target/i386/kvm/kvm.c, kvm_arch_init).
constexpr uint64_t bios_rom_end = 4 * GiB;
constexpr uint64_t bios_rom_max_size = 16 * MiB;
constexpr uint64_t kvm_identity_map_address = 0xFEFF'C000;
constexpr uint64_t kvm_tss_address = 0xFEFF'D000;
constexpr uint64_t kvm_private_pages_size = 16 * KiB;
static_assert(kvm_identity_map_address + kvm_private_pages_size == bios_rom_end - bios_rom_max_size);

// Boot area below 1 MiB (all inside the first RAM range).
constexpr uint64_t boot_gdt_address = 0x500;
constexpr uint64_t boot_idt_address = 0x520;
constexpr uint64_t zero_page_address = 0x7000;
constexpr uint64_t boot_stack_top = 0x8FF0;
constexpr uint64_t pml4_address = 0x9000;
constexpr uint64_t pdpt_address = 0xA000;
constexpr uint64_t page_directories_address = 0xB000;
constexpr unsigned page_directory_count = 4; // 4 x 1 GiB of 2 MiB pages: identity map of 0..4 GiB
constexpr uint64_t cmdline_address = 0x20000;
constexpr uint64_t cmdline_region_size = 64 * KiB; // NUL included

// The "extended BIOS data area" and the legacy BIOS/VGA window: RAM-backed but never given to the
// guest as usable RAM. The MP floating pointer sits at its start (one of the places Linux scans),
// the MP configuration table in the 64 KiB BIOS segment, which has room for 255 CPUs.
constexpr uint64_t ebda_address = 0x9FC00;
constexpr uint64_t mp_floating_pointer_address = ebda_address;
constexpr uint64_t mp_config_table_address = 0xF0000;
constexpr uint64_t mp_config_table_region_size = 64 * KiB;
constexpr uint64_t high_memory_start = 1 * MiB;

// The legacy VGA memory window: never RAM, trapped to the VGA device (or unmapped without one).
// Above it, up to 1 MiB, the option-ROM and BIOS area: RAM that firmware shadows (PAM registers).
constexpr uint64_t vga_window_start = 0xA0000;
constexpr uint64_t vga_window_end = 0xC0000;
constexpr uint64_t bios_area_start = vga_window_end;
constexpr uint64_t bios_area_end = high_memory_start;

// The bzImage protected-mode code (and the lowest address an ELF segment may use).
constexpr uint64_t kernel_load_address = high_memory_start;

struct RamRange {
    uint64_t guest_address;
    uint64_t size;

    uint64_t end() const { return guest_address + size; }
};

// End of the RAM below the PCI hole: min(ram_size, 3 GiB).
uint64_t low_ram_end(uint64_t ram_size);

// One range at 0, and a second one at 4 GiB when ram_size exceeds 3 GiB.
std::vector<RamRange> ram_ranges(uint64_t ram_size);

} // namespace spicebox::layout
