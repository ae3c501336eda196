#include "vmm/memory_layout.h"

#include <algorithm>

namespace spicebox::layout {

uint64_t low_ram_end(uint64_t ram_size)
{
    return std::min(ram_size, low_ram_limit);
}

std::vector<RamRange> ram_ranges(uint64_t ram_size)
{
    std::vector<RamRange> ranges;
    if (ram_size > 0)
        ranges.push_back(RamRange { 0, low_ram_end(ram_size) });
    if (ram_size > low_ram_limit)
        ranges.push_back(RamRange { high_ram_start, ram_size - low_ram_limit });
    return ranges;
}

} // namespace spicebox::layout
