#include "vmm/guest_memory.h"

#include <doctest/doctest.h>
#include <vector>

using namespace spicebox;

TEST_CASE("GuestMemory hands out spans only wholly inside one region")
{
    std::vector<uint8_t> low(0x1000), high(0x1000);
    GuestMemory memory;
    REQUIRE(memory.add_region(0, low, "low").ok());
    REQUIRE(memory.add_region(0x10000, high, "high").ok());
    CHECK_FALSE(memory.add_region(0x800, high, "overlap").ok());

    CHECK(memory.span(0xFF0, 0x10).ok());
    CHECK_FALSE(memory.span(0xFF0, 0x11).ok());
    CHECK_FALSE(memory.span(0x1000, 1).ok());
    CHECK_FALSE(memory.span(UINT64_MAX - 4, 8).ok());
    CHECK(memory.span(0x10000, 0x1000)->data() == high.data());

    REQUIRE(memory.write_object<uint32_t>(0x10004, 0xCAFEF00D).ok());
    CHECK(memory.read_object<uint32_t>(0x10004).value() == 0xCAFEF00D);
    CHECK_FALSE(memory.read_object<uint64_t>(0x10FFC).ok());
}

TEST_CASE("GuestMemory regions come and go like mapped BARs")
{
    std::vector<uint8_t> ram(0x1000), bar(0x1000);
    GuestMemory memory;
    REQUIRE(memory.add_region(0, ram, "ram").ok());
    REQUIRE(memory.add_region(0xE0000000, bar, "bar").ok());
    REQUIRE(memory.remove_region("bar").ok());
    CHECK_FALSE(memory.span(0xE0000000, 1).ok());
    CHECK_FALSE(memory.remove_region("bar").ok());
    REQUIRE(memory.add_region(0xF0000000, bar, "bar").ok());
    CHECK(memory.span(0xF0000000, 1)->data() == bar.data());
}
