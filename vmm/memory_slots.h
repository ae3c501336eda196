// Where host memory becomes guest-physical memory without exits: KVM memory slots (KvmVm), or a
// recorder in unit tests.
#pragma once

#include "base/result.h"

#include <cstdint>
#include <span>

namespace spicebox {

struct MemorySlotFlags {
    bool log_dirty { false };
    bool read_only { false };
};

class MemorySlots {
public:
    virtual ~MemorySlots() = default;
    virtual Result<uint32_t> add_memory(uint64_t guest_address, std::span<uint8_t> host, MemorySlotFlags = {}) = 0;
    virtual Result<void> remove_memory(uint32_t slot) = 0;
    // For a slot added with log_dirty: sets bit n of `bitmap` (word n / 64) for each 4 KiB page of the slot
    // written since the previous call, and clears the log. `bitmap` holds at least one bit per page.
    virtual Result<void> take_dirty_log(uint32_t slot, std::span<uint64_t> bitmap) = 0;
};

} // namespace spicebox
