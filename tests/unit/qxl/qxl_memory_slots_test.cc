#include "qxl/qxl_memory_slots.h"

#include <doctest/doctest.h>

#include <array>
#include <vector>

using namespace spicebox;

namespace {

QXLPHYSICAL physical(uint64_t slot, uint64_t offset, uint64_t generation = 0)
{
    return (slot << 56) | (generation << 48) | offset;
}

struct TwoBars {
    std::vector<uint8_t> ram = std::vector<uint8_t>(64 * 1024);
    std::vector<uint8_t> vram = std::vector<uint8_t>(16 * 1024);
    std::array<QxlMemorySlots::Bar, 2> bars { { { ram, 0xF4000000 }, { vram, 0xF8000000 } } };
};

}

TEST_CASE("qxl memory slots: translation is slot-relative and bounded by the slot")
{
    TwoBars memory;
    QxlMemorySlots slots;
    REQUIRE(slots.add(1, 0xF4001000, 0xF4003000, memory.bars).ok());
    REQUIRE(slots.add(2, 0xF8000000, 0xF8004000, memory.bars).ok());

    auto span = slots.translate(physical(1, 0x10), 0x20);
    REQUIRE(span.ok());
    CHECK(span->data() == memory.ram.data() + 0x1010);
    CHECK(span->size() == 0x20);
    CHECK(slots.translate(physical(2, 0x3FF0), 0x10)->data() == memory.vram.data() + 0x3FF0);

    CHECK(slots.translate(physical(1, 0x1FF0), 0x10).ok());
    CHECK(!slots.translate(physical(1, 0x1FF0), 0x11).ok());           // runs past the slot
    CHECK(!slots.translate(physical(1, 0x2001), 0).ok());              // starts past the slot
    CHECK(!slots.translate(physical(1, 0x10), UINT64_MAX).ok());       // size wraps
    CHECK(!slots.translate(physical(3, 0), 1).ok());                   // inactive slot
    CHECK(!slots.translate(physical(200, 0), 1).ok());                 // beyond the slot table
    CHECK(!slots.translate(physical(1, 0x10, 1), 1).ok());             // wrong generation
    CHECK(!slots.translate(physical(1, uint64_t(1) << 40), 1).ok());   // wild offset

    REQUIRE(slots.remove(1).ok());
    CHECK(!slots.translate(physical(1, 0x10), 1).ok());
    CHECK(slots.translate(physical(2, 0x10), 1).ok());
    slots.reset();
    CHECK(!slots.translate(physical(2, 0x10), 1).ok());
}

TEST_CASE("qxl memory slots: a slot must lie inside a mapped BAR of the card")
{
    TwoBars memory;
    QxlMemorySlots slots;
    CHECK(!slots.add(1, 0x100000, 0x200000, memory.bars).ok());          // guest RAM
    CHECK(!slots.add(1, 0xF400F000, 0xF4011000, memory.bars).ok());      // runs off BAR0
    CHECK(!slots.add(1, 0xF4002000, 0xF4001000, memory.bars).ok());      // start after end
    CHECK(!slots.add(8, 0xF4000000, 0xF4001000, memory.bars).ok());      // no slot 8
    CHECK(slots.add(1, 0xF4010000, 0xF4010000, memory.bars).ok());       // empty, at the end: QEMU allows it
    CHECK(!slots.add(1, 0xF4000000, 0xF4001000, memory.bars).ok());      // already active

    memory.bars[1].guest_address.reset(); // BAR1 not decoded
    CHECK(!slots.add(2, 0xF8000000, 0xF8001000, memory.bars).ok());
}

TEST_CASE("qxl memory slots: a delta makes offsets guest-physical (SET_MODE's slot 0)")
{
    TwoBars memory;
    QxlMemorySlots slots;
    REQUIRE(slots.add(0, 0xF4000000, 0xF4010000, memory.bars, 0xF4000000).ok());
    CHECK(slots.translate(physical(0, 0xF4000100), 4)->data() == memory.ram.data() + 0x100);
    CHECK(!slots.translate(physical(0, 0x100), 4).ok());
    CHECK(!QxlMemorySlots::advance(physical(1, (uint64_t(1) << 48) - 2), 4).ok());
    CHECK(QxlMemorySlots::advance(physical(1, 0x10), 4).value() == physical(1, 0x14));
}
