// The BIOS e820 memory map the guest reads from its zero page: which guest-physical ranges are
// usable RAM and which are reserved.
#pragma once

#include "base/result.h"
#include "vmm/boot_params_layout.h"

#include <cstdint>
#include <span>
#include <vector>

namespace spicebox {

enum class E820Type : uint32_t {
    Ram = 1,
    Reserved = 2,
};

struct E820Entry {
    uint64_t address;
    uint64_t size;
    E820Type type;

    bool operator==(const E820Entry&) const = default;
};

// The map for a machine with ram_size bytes of RAM laid out as in memory_layout.h, sorted by address.
std::vector<E820Entry> e820_map(uint64_t ram_size);

// Stores the entries in the zero page's e820 table and sets its entry count.
Result<void> write_e820_table(boot_params::ZeroPage&, std::span<const E820Entry>);

} // namespace spicebox
