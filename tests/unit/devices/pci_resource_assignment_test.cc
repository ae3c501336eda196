#include "devices/pci_resource_assignment.h"

#include "devices/pci_host_bridge.h"

#include <array>
#include <doctest/doctest.h>
#include <map>
#include <memory>

using namespace spicebox;

namespace {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;

class NullHandler final : public IoDevice {
public:
    void io_read(uint64_t, std::span<uint8_t> data) override { set_io_value(data, 0); }
    void io_write(uint64_t, std::span<const uint8_t>) override { }
    std::string_view io_name() const override { return "null"; }
};

// A display-like function: 16 MiB of memory (BAR0), 4 KiB of MMIO (BAR2), a 64-bit 1 MiB BAR (BAR3+4), and a
// second function with 32 ports.
class Card final : public PciDevice {
public:
    explicit Card(bool multifunction) : PciDevice("card", { .vendor_id = 0x1234, .device_id = 0x1111, .multifunction = multifunction }) { }
    Result<void> declare_display()
    {
        auto handler = std::make_shared<NullHandler>();
        m_vram.resize(16 * MiB + 4096);
        auto aligned = std::span(m_vram).subspan((4096 - reinterpret_cast<uintptr_t>(m_vram.data()) % 4096) % 4096, 16 * MiB);
        TRY(declare_bar(0, { .kind = PciBarKind::Memory, .size = 16 * MiB, .prefetchable = true, .memory = aligned }));
        TRY(declare_bar(2, { .kind = PciBarKind::Mmio, .size = 4 * KiB, .handler = handler }));
        TRY(declare_bar(3, { .kind = PciBarKind::Mmio, .size = 1 * MiB, .is_64bit = true, .handler = handler }));
        return declare_rom(m_rom);
    }
    Result<void> declare_ports() { return declare_bar(1, { .kind = PciBarKind::Io, .size = 32, .handler = std::make_shared<NullHandler>() }); }

private:
    std::vector<uint8_t> m_vram;
    alignas(4096) std::array<uint8_t, 64 * KiB> m_rom {};
};

class RecordingMapper final : public PciBarMapper {
public:
    void bar_mapped(PciDevice& device, int bar, const PciBarInfo&, uint64_t address) override { mapped[{ &device, bar }] = address; }
    void bar_unmapped(PciDevice& device, int bar, const PciBarInfo&, uint64_t) override { mapped.erase({ &device, bar }); }
    std::map<std::pair<PciDevice*, int>, uint64_t> mapped;
};

}

TEST_CASE("direct boot BAR assignment: largest memory BAR first at the hole's start, each aligned, decoding on")
{
    RecordingMapper mapper;
    PciHostBridge bridge(mapper);
    auto display = std::make_shared<Card>(true);
    REQUIRE(display->declare_display().ok());
    auto ports = std::make_shared<Card>(false);
    REQUIRE(ports->declare_ports().ok());
    REQUIRE(bridge.add_device(2, display).ok());
    REQUIRE(bridge.add_device(2, ports, 1).ok());

    REQUIRE(assign_pci_resources(bridge, { 0xC0000000, 0xFEC00000, 0xC000, 0x10000 }).ok());
    CHECK(mapper.mapped.at({ display.get(), 0 }) == 0xC0000000);
    CHECK(mapper.mapped.at({ display.get(), 3 }) == 0xC1000000); // 64-bit, placed below 4 GiB
    CHECK(mapper.mapped.at({ display.get(), 2 }) == 0xC1100000);
    CHECK(mapper.mapped.at({ ports.get(), 1 }) == 0xC000);
    CHECK(mapper.mapped.count({ display.get(), pci_rom_bar }) == 0); // ROMs are left alone
    CHECK(mapper.mapped.size() == 4);

    uint8_t data[4];
    display->config_read(0x04, data);
    CHECK((io_value(data) & 0x3) == 0x2); // memory decode only: it has no I/O BAR
    ports->config_read(0x04, data);
    CHECK((io_value(data) & 0x3) == 0x1);
}

TEST_CASE("BARs that do not fit the window are not assigned at all")
{
    RecordingMapper mapper;
    PciHostBridge bridge(mapper);
    auto display = std::make_shared<Card>(false);
    REQUIRE(display->declare_display().ok());
    REQUIRE(bridge.add_device(3, display).ok());
    CHECK_FALSE(assign_pci_resources(bridge, { 0xC0000000, 0xC0800000, 0xC000, 0x10000 }).ok());
    CHECK(mapper.mapped.empty());
}
