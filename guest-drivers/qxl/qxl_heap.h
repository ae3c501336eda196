// Command memory: a first-fit allocator over a range of one memory slot (Linux's VRAM domain, Xorg's
// "io pages"), handing out blocks the device can address as QXLPHYSICAL. Each block carries a
// 16-byte header with its size, so free() needs only the pointer (Xorg frees sub-objects it finds
// by re-reading a released command). Free extents are kept sorted and merged; if their table is
// full a freed block is dropped rather than tracked (counted in leaked_bytes()).
#pragma once

#include <spice/qxl_dev.h>
#include <stdint.h>

namespace spicebox::guest::qxl {

class Card;

class Heap {
public:
    static constexpr uint64_t alignment = 16;
    static constexpr unsigned max_extents = 512;

    // The heap covers [offset, offset + size) of memory slot `slot`, which starts at `slot_start`.
    void init(const Card&, uint8_t slot, uint8_t* slot_start, uint64_t offset, uint64_t size);

    // A block of at least `size` bytes, 16-byte aligned, or nullptr when no free extent fits.
    void* allocate(uint64_t size);
    void free(void* block);

    QXLPHYSICAL physical(const void* pointer) const;
    // The heap memory `physical` names, if all `size` bytes of it lie inside the heap; else nullptr.
    void* pointer(QXLPHYSICAL physical, uint64_t size) const;
    bool owns(const void* block) const;

    uint64_t size() const { return m_size; }
    uint64_t free_bytes() const;
    uint64_t leaked_bytes() const { return m_leaked; }
    uint64_t allocations() const { return m_allocations; }

private:
    struct Extent {
        uint64_t start;
        uint64_t size;
    };

    const Card* m_card { nullptr };
    uint8_t m_slot { 0 };
    uint8_t* m_slot_start { nullptr };
    uint64_t m_offset { 0 };
    uint64_t m_size { 0 };
    Extent m_extents[max_extents] {};
    unsigned m_extent_count { 0 };
    uint64_t m_leaked { 0 };
    uint64_t m_allocations { 0 };
};

}
