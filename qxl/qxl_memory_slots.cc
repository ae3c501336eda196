#include "qxl/qxl_memory_slots.h"

#include "qxl/qxl_rom.h"

#include <cinttypes>
#include <cstdio>
#include <string>

namespace spicebox {

namespace {

constexpr int offset_bits = 64 - qxl_memslot_id_bits - qxl_memslot_generation_bits;
constexpr uint64_t offset_mask = (uint64_t(1) << offset_bits) - 1;
static_assert(qxl_memslot_count <= (1 << qxl_memslot_id_bits));

std::string hex(uint64_t value)
{
    char text[24];
    std::snprintf(text, sizeof(text), "0x%" PRIx64, value);
    return text;
}

}

Result<void> QxlMemorySlots::add(uint8_t id, uint64_t start, uint64_t end, std::span<const Bar> bars, uint64_t delta)
{
    if (id >= m_slots.size())
        return Error { "memslot " + std::to_string(id) + " out of range" };
    if (m_slots[id].active)
        return Error { "memslot " + std::to_string(id) + " already active" };
    if (start > end)
        return Error { "memslot " + std::to_string(id) + " starts after its end (" + hex(start) + " > " + hex(end) + ")" };
    for (const Bar& bar : bars) {
        if (!bar.guest_address)
            continue;
        uint64_t base = *bar.guest_address;
        uint64_t limit = base + bar.memory.size();
        if (start < base || end > limit)
            continue;
        m_slots[id] = Slot {
            .active = true,
            .generation = generation(),
            .delta = delta,
            .memory = bar.memory.subspan(start - base, end - start),
        };
        return {};
    }
    return Error { "memslot " + std::to_string(id) + " range " + hex(start) + ".." + hex(end) + " is not inside the card's RAM or VRAM BAR" };
}

Result<void> QxlMemorySlots::remove(uint8_t id)
{
    if (id >= m_slots.size())
        return Error { "memslot " + std::to_string(id) + " out of range" };
    m_slots[id] = {};
    return {};
}

void QxlMemorySlots::reset()
{
    m_slots = {};
}

Result<std::span<uint8_t>> QxlMemorySlots::translate(QXLPHYSICAL address, uint64_t length) const
{
    uint64_t id = address >> (64 - qxl_memslot_id_bits);
    uint64_t generation = (address >> offset_bits) & ((1 << qxl_memslot_generation_bits) - 1);
    uint64_t offset = address & offset_mask;
    if (id >= m_slots.size() || !m_slots[id].active)
        return Error { "address " + hex(address) + " uses inactive memslot " + std::to_string(id) };
    const Slot& slot = m_slots[id];
    if (generation != slot.generation)
        return Error { "address " + hex(address) + " has generation " + std::to_string(generation) + ", memslot " + std::to_string(id) + " has " + std::to_string(slot.generation) };
    if (offset < slot.delta)
        return Error { "address " + hex(address) + " lies below memslot " + std::to_string(id) };
    offset -= slot.delta;
    if (offset > slot.memory.size() || length > slot.memory.size() - offset)
        return Error { "range " + hex(address) + "+" + hex(length) + " overruns memslot " + std::to_string(id) + " (" + hex(slot.memory.size()) + " bytes)" };
    return slot.memory.subspan(offset, length);
}

Result<QXLPHYSICAL> QxlMemorySlots::advance(QXLPHYSICAL address, uint64_t bytes)
{
    uint64_t offset = address & offset_mask;
    if (bytes > offset_mask - offset)
        return Error { "address " + hex(address) + "+" + hex(bytes) + " leaves its memslot" };
    return address + bytes;
}

} // namespace spicebox
