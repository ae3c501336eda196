#include "qxl/qxl_heap.h"

#include "qxl/qxl_card.h"
#include "runtime/mem.h"

namespace spicebox::guest::qxl {

namespace {

struct BlockHeader {
    uint64_t size; // the whole block, header included
    uint64_t magic;
};
static_assert(sizeof(BlockHeader) == Heap::alignment);
constexpr uint64_t block_magic = 0x6B636F6C426C7871; // "qxlBlock"

uint64_t align_up(uint64_t value) { return (value + Heap::alignment - 1) & ~(Heap::alignment - 1); }

uint64_t offset_bits_of(const QXLRom& rom) { return 64 - rom.slot_id_bits - rom.slot_gen_bits; }

}

void Heap::init(const Card& card, uint8_t slot, uint8_t* slot_start, uint64_t offset, uint64_t size)
{
    m_card = &card;
    m_slot = slot;
    m_slot_start = slot_start;
    m_offset = align_up(offset);
    m_size = (size - (m_offset - offset)) & ~(alignment - 1);
    m_extents[0] = Extent { m_offset, m_size };
    m_extent_count = 1;
    m_leaked = 0;
    m_allocations = 0;
}

void* Heap::allocate(uint64_t size)
{
    if (size > m_size)
        return nullptr;
    uint64_t needed = align_up(size) + sizeof(BlockHeader);
    for (unsigned i = 0; i < m_extent_count; ++i) {
        Extent& extent = m_extents[i];
        if (extent.size < needed)
            continue;
        uint64_t start = extent.start;
        extent.start += needed;
        extent.size -= needed;
        if (extent.size == 0) {
            memmove(&m_extents[i], &m_extents[i + 1], (m_extent_count - i - 1) * sizeof(Extent));
            --m_extent_count;
        }
        auto* header = reinterpret_cast<BlockHeader*>(m_slot_start + start);
        header->size = needed;
        header->magic = block_magic;
        ++m_allocations;
        return header + 1;
    }
    return nullptr;
}

void Heap::free(void* block)
{
    if (!owns(block))
        return;
    auto* header = static_cast<BlockHeader*>(block) - 1;
    if (header->magic != block_magic)
        return;
    header->magic = 0;
    uint64_t start = uint64_t(reinterpret_cast<uint8_t*>(header) - m_slot_start);
    uint64_t size = header->size;
    --m_allocations;

    unsigned at = 0;
    while (at < m_extent_count && m_extents[at].start < start)
        ++at;
    bool joins_previous = at > 0 && m_extents[at - 1].start + m_extents[at - 1].size == start;
    bool joins_next = at < m_extent_count && start + size == m_extents[at].start;
    if (joins_previous && joins_next) {
        m_extents[at - 1].size += size + m_extents[at].size;
        memmove(&m_extents[at], &m_extents[at + 1], (m_extent_count - at - 1) * sizeof(Extent));
        --m_extent_count;
    } else if (joins_previous) {
        m_extents[at - 1].size += size;
    } else if (joins_next) {
        m_extents[at].start = start;
        m_extents[at].size += size;
    } else if (m_extent_count < max_extents) {
        memmove(&m_extents[at + 1], &m_extents[at], (m_extent_count - at) * sizeof(Extent));
        m_extents[at] = Extent { start, size };
        ++m_extent_count;
    } else {
        m_leaked += size;
    }
}

QXLPHYSICAL Heap::physical(const void* pointer) const
{
    uint64_t offset = uint64_t(static_cast<const uint8_t*>(pointer) - m_slot_start);
    return m_card->physical(m_slot, offset);
}

void* Heap::pointer(QXLPHYSICAL physical, uint64_t size) const
{
    const QXLRom& rom = m_card->rom();
    uint64_t offset_bits = offset_bits_of(rom);
    if (physical >> offset_bits != m_card->physical(m_slot, 0) >> offset_bits)
        return nullptr;
    uint64_t offset = physical & ((uint64_t(1) << offset_bits) - 1);
    if (offset < m_offset || offset > m_offset + m_size || size > m_offset + m_size - offset)
        return nullptr;
    return m_slot_start + offset;
}

bool Heap::owns(const void* block) const
{
    auto* byte = static_cast<const uint8_t*>(block);
    return byte >= m_slot_start + m_offset + sizeof(BlockHeader) && byte < m_slot_start + m_offset + m_size;
}

uint64_t Heap::free_bytes() const
{
    uint64_t total = 0;
    for (unsigned i = 0; i < m_extent_count; ++i)
        total += m_extents[i].size;
    return total;
}

}
