#include "vmm/e820.h"

#include "vmm/memory_layout.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace spicebox {

namespace {

// One entry as the zero page stores it.
struct [[gnu::packed]] BootE820Entry {
    uint64_t address;
    uint64_t size;
    uint32_t type;
};
static_assert(sizeof(BootE820Entry) == boot_params::e820_entry_size);

}

std::vector<E820Entry> e820_map(uint64_t ram_size)
{
    using namespace layout;
    std::vector<E820Entry> map;
    uint64_t low_end = low_ram_end(ram_size);

    // Conventional memory up to the EBDA; the EBDA and the legacy VGA/BIOS window up to 1 MiB are
    // reserved, as a PC BIOS reports them.
    map.push_back({ 0, std::min(low_end, ebda_address), E820Type::Ram });
    map.push_back({ ebda_address, high_memory_start - ebda_address, E820Type::Reserved });
    if (low_end > high_memory_start)
        map.push_back({ high_memory_start, low_end - high_memory_start, E820Type::Ram });

    // QEMU reserves the KVM identity-map and TSS pages (target/i386/kvm/kvm.c, kvm_arch_init:
    // 0xFEFFC000 + 16 KiB) and SeaBIOS the BIOS ROM below 4 GiB (src/fw/paravirt.c, qemu_preinit);
    // here one range up to 4 GiB, which also covers the 16 MiB a ROM may take. Neither marks the IOAPIC or LAPIC pages, which
    // the kernel reserves itself from the MP table. The hole left below stays the largest gap, so
    // Linux picks it for PCI resources.
    map.push_back({ kvm_identity_map_address, high_ram_start - kvm_identity_map_address, E820Type::Reserved });

    if (ram_size > low_ram_limit)
        map.push_back({ high_ram_start, ram_size - low_ram_limit, E820Type::Ram });
    return map;
}

Result<void> write_e820_table(boot_params::ZeroPage& page, std::span<const E820Entry> entries)
{
    if (entries.size() > boot_params::e820_table_capacity)
        return Error { "the e820 map has " + std::to_string(entries.size()) + " entries, the zero page holds "
            + std::to_string(boot_params::e820_table_capacity) };
    uint8_t* slot = page.data() + boot_params::e820_table_offset;
    for (const auto& entry : entries) {
        BootE820Entry raw { entry.address, entry.size, static_cast<uint32_t>(entry.type) };
        std::memcpy(slot, &raw, sizeof raw);
        slot += sizeof raw;
    }
    boot_params::set(page, boot_params::e820_entries, static_cast<uint8_t>(entries.size()));
    return {};
}

} // namespace spicebox
