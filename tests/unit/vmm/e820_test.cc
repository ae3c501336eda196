#include "vmm/e820.h"

#include "vmm/memory_layout.h"

#include <cstring>
#include <doctest/doctest.h>
#include <vector>

using namespace spicebox;
using layout::GiB;
using layout::MiB;

TEST_CASE("ram_ranges puts what exceeds 3 GiB above 4 GiB")
{
    auto small = layout::ram_ranges(256 * MiB);
    REQUIRE(small.size() == 1);
    CHECK(small[0].guest_address == 0);
    CHECK(small[0].size == 256 * MiB);

    auto exact = layout::ram_ranges(3 * GiB);
    REQUIRE(exact.size() == 1);
    CHECK(exact[0].end() == 3 * GiB);

    auto large = layout::ram_ranges(5 * GiB);
    REQUIRE(large.size() == 2);
    CHECK(large[0].end() == 3 * GiB);
    CHECK(large[1].guest_address == 4 * GiB);
    CHECK(large[1].size == 2 * GiB);
    CHECK(large[0].end() <= layout::pci_hole_start);
}

TEST_CASE("e820 map for 256 MiB")
{
    std::vector<E820Entry> expected {
        { 0, 0x9FC00, E820Type::Ram },
        { 0x9FC00, 0x100000 - 0x9FC00, E820Type::Reserved },
        { 0x100000, 255 * MiB, E820Type::Ram },
        { 0xFEFFC000, 0x100000000 - 0xFEFFC000, E820Type::Reserved },
    };
    CHECK(e820_map(256 * MiB) == expected);
}

TEST_CASE("e820 map for 3 GiB ends low RAM at the PCI hole and has nothing above 4 GiB")
{
    auto map = e820_map(3 * GiB);
    REQUIRE(map.size() == 4);
    CHECK(map[2] == E820Entry { 0x100000, 3 * GiB - MiB, E820Type::Ram });
    CHECK(map[3].type == E820Type::Reserved);
}

TEST_CASE("e820 map for 5 GiB continues RAM at 4 GiB")
{
    auto map = e820_map(5 * GiB);
    REQUIRE(map.size() == 5);
    CHECK(map[2] == E820Entry { 0x100000, 3 * GiB - MiB, E820Type::Ram });
    CHECK(map[3] == E820Entry { 0xFEFFC000, 0x100000000 - 0xFEFFC000, E820Type::Reserved });
    CHECK(map[4] == E820Entry { 4 * GiB, 2 * GiB, E820Type::Ram });
    // Sorted and disjoint, and the PCI hole with the IOAPIC and LAPIC is in no entry.
    for (size_t i = 1; i < map.size(); ++i)
        CHECK(map[i - 1].address + map[i - 1].size <= map[i].address);
    for (const auto& entry : map) {
        CHECK_FALSE((entry.address < layout::lapic_address + 1 && layout::pci_hole_start < entry.address + entry.size));
    }
}

TEST_CASE("write_e820_table stores packed entries and the count in the zero page")
{
    boot_params::ZeroPage page {};
    auto map = e820_map(5 * GiB);
    REQUIRE(write_e820_table(page, map).ok());
    CHECK(boot_params::get(page, boot_params::e820_entries) == 5);

    uint64_t address, size;
    uint32_t type;
    const uint8_t* last = page.data() + 0x2D0 + 4 * 20;
    std::memcpy(&address, last, 8);
    std::memcpy(&size, last + 8, 8);
    std::memcpy(&type, last + 16, 4);
    CHECK(address == 4 * GiB);
    CHECK(size == 2 * GiB);
    CHECK(type == 1);

    std::vector<E820Entry> too_many(129, E820Entry { 0, 1, E820Type::Ram });
    auto result = write_e820_table(page, too_many);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message == "the e820 map has 129 entries, the zero page holds 128");
}
