#include "tests/unit/qxl/qxl_test_guest.h"

#include <vector>

using namespace spicebox;
using namespace spicebox::qxl_test;

namespace {

constexpr uint8_t rom_register = 0x30;
constexpr uint32_t rom_enable = 1;
constexpr uint32_t expansion_rom_address = 0xFEB00000;

struct RomMapper final : PciBarMapper {
    void bar_mapped(PciDevice&, int bar, const PciBarInfo& info, uint64_t address) override
    {
        if (bar == pci_rom_bar)
            mapped.push_back({ info, address });
    }
    void bar_unmapped(PciDevice&, int, const PciBarInfo&, uint64_t) override { }
    std::vector<std::pair<PciBarInfo, uint64_t>> mapped;
};

uint32_t config_read32(PciDevice& device, uint8_t offset)
{
    uint8_t bytes[4] {};
    device.config_read(offset, bytes);
    return uint32_t(bytes[0]) | uint32_t(bytes[1]) << 8 | uint32_t(bytes[2]) << 16 | uint32_t(bytes[3]) << 24;
}

void config_write32(PciDevice& device, uint8_t offset, uint32_t value)
{
    uint8_t bytes[4] = { uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16), uint8_t(value >> 24) };
    device.config_write(offset, bytes);
}

}

TEST_CASE("qxl: the VGA BIOS is the expansion ROM, padded to a power of two, read-only")
{
    // vgabios-qxl.bin is 39936 bytes: QEMU shows it in a 64 KiB ROM BAR.
    std::vector<uint8_t> image(39936);
    for (size_t i = 0; i < image.size(); ++i)
        image[i] = uint8_t(i * 13 + 5);
    image[0] = 0x55;
    image[1] = 0xAA;
    RecordingSink sink;
    auto created = QxlDevice::create({}, sink, image);
    REQUIRE(created.ok());
    auto& device = **created;
    RomMapper mapper;
    device.set_bar_mapper(&mapper);

    config_write32(device, rom_register, 0xFFFFFFFF & ~rom_enable);
    CHECK(config_read32(device, rom_register) == 0xFFFF0000); // 64 KiB

    config_write32(device, rom_register, expansion_rom_address | rom_enable);
    config_write32(device, 0x04, 0x2); // memory decode
    REQUIRE(mapper.mapped.size() == 1);
    const auto& [info, address] = mapper.mapped[0];
    CHECK(address == expansion_rom_address);
    CHECK(info.read_only);
    REQUIRE(info.memory.size() == 64 * 1024);
    CHECK(std::equal(image.begin(), image.end(), info.memory.begin()));
    CHECK(std::all_of(info.memory.begin() + ptrdiff_t(image.size()), info.memory.end(), [](uint8_t b) { return b == 0; }));
}

TEST_CASE("qxl: without a VGA BIOS there is no expansion ROM")
{
    RecordingSink sink;
    auto created = QxlDevice::create({}, sink);
    REQUIRE(created.ok());
    config_write32(**created, rom_register, 0xFFFFFFFF);
    CHECK(config_read32(**created, rom_register) == 0);
}
