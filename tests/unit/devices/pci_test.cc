#include "devices/pci_host_bridge.h"

#include <doctest/doctest.h>
#include <memory>
#include <vector>

using namespace spicebox;

namespace {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
constexpr uint64_t GiB = 1024 * MiB;

enum Config : uint8_t {
    Vendor = 0x00,
    Command = 0x04,
    Status = 0x06,
    Revision = 0x08,
    HeaderType = 0x0E,
    Bar0 = 0x10,
    Rom = 0x30,
    IrqLine = 0x3C,
    InterruptPin = 0x3D,
};
constexpr uint16_t command_io = 0x1, command_memory = 0x2, command_interrupt_disable = 0x400;

class NullHandler final : public IoDevice {
public:
    void io_read(uint64_t, std::span<uint8_t> data) override { set_io_value(data, 0); }
    void io_write(uint64_t, std::span<const uint8_t>) override { }
    std::string_view io_name() const override { return "null"; }
};

// BAR0: 4 KiB MMIO; BAR1: 64 KiB RAM-backed, prefetchable; BAR2: 32 ports; BAR3+4: 1 MiB 64-bit
// prefetchable MMIO; BAR5 unimplemented; a 64 KiB expansion ROM.
class TestDevice final : public PciDevice {
public:
    static Result<std::shared_ptr<TestDevice>> create()
    {
        auto device = std::make_shared<TestDevice>();
        auto handler = std::make_shared<NullHandler>();
        TRY(device->declare_bar(0, { .kind = PciBarKind::Mmio, .size = 4 * KiB, .handler = handler }));
        TRY(device->declare_bar(1, { .kind = PciBarKind::Memory, .size = 64 * KiB, .prefetchable = true, .memory = device->m_ram }));
        TRY(device->declare_bar(2, { .kind = PciBarKind::Io, .size = 32, .handler = handler }));
        TRY(device->declare_bar(3, { .kind = PciBarKind::Mmio, .size = 1 * MiB, .is_64bit = true, .prefetchable = true, .handler = handler }));
        TRY(device->declare_rom(device->m_rom));
        return device;
    }

    TestDevice() : PciDevice("test", { .vendor_id = 0x1B36, .device_id = 0x0100, .revision = 5, .class_code = 0x030000, .interrupt_pin = 1 }) { }

    using PciDevice::declare_bar;
    using PciDevice::set_irq_level;

private:
    alignas(4096) std::array<uint8_t, 64 * KiB> m_ram {};
    alignas(4096) std::array<uint8_t, 64 * KiB> m_rom {};
};

struct MapEvent {
    bool mapped;
    int bar;
    uint64_t address;
    bool operator==(const MapEvent&) const = default;
};

class RecordingMapper final : public PciBarMapper {
public:
    void bar_mapped(PciDevice&, int bar, const PciBarInfo& info, uint64_t address) override
    {
        events.push_back({ true, bar, address });
        last_info = info;
    }
    void bar_unmapped(PciDevice&, int bar, const PciBarInfo&, uint64_t address) override { events.push_back({ false, bar, address }); }
    std::vector<MapEvent> take() { return std::exchange(events, {}); }

    std::vector<MapEvent> events;
    PciBarInfo last_info;
};

uint32_t read32(PciDevice& device, uint8_t offset)
{
    uint8_t data[4];
    device.config_read(offset, data);
    return uint32_t(io_value(data));
}

uint16_t read16(PciDevice& device, uint8_t offset)
{
    uint8_t data[2];
    device.config_read(offset, data);
    return uint16_t(io_value(data));
}

uint8_t read8(PciDevice& device, uint8_t offset)
{
    uint8_t data[1];
    device.config_read(offset, data);
    return data[0];
}

void write32(PciDevice& device, uint8_t offset, uint32_t value)
{
    uint8_t data[4];
    set_io_value(data, value);
    device.config_write(offset, data);
}

void write16(PciDevice& device, uint8_t offset, uint16_t value)
{
    uint8_t data[2];
    set_io_value(data, value);
    device.config_write(offset, data);
}

void write8(PciDevice& device, uint8_t offset, uint8_t value)
{
    const uint8_t data[1] = { value };
    device.config_write(offset, data);
}

uint32_t size_bar(PciDevice& device, uint8_t offset)
{
    uint32_t saved = read32(device, offset);
    write32(device, offset, 0xFFFFFFFF);
    uint32_t mask = read32(device, offset);
    write32(device, offset, saved);
    return mask;
}

std::shared_ptr<TestDevice> make_device()
{
    auto device = TestDevice::create();
    REQUIRE(device.ok());
    return device.value();
}

// Config mechanism #1 through the bridge's ports (offsets from 0xCF8).
struct Ports {
    PciHostBridge& bridge;
    void out32(uint64_t port, uint32_t value)
    {
        uint8_t data[4];
        set_io_value(data, value);
        bridge.io_write(port - 0xCF8, data);
    }
    void out8(uint64_t port, uint8_t value)
    {
        const uint8_t data[1] = { value };
        bridge.io_write(port - 0xCF8, data);
    }
    uint32_t in32(uint64_t port)
    {
        uint8_t data[4];
        bridge.io_read(port - 0xCF8, data);
        return uint32_t(io_value(data));
    }
    uint16_t in16(uint64_t port)
    {
        uint8_t data[2];
        bridge.io_read(port - 0xCF8, data);
        return uint16_t(io_value(data));
    }
    uint8_t in8(uint64_t port)
    {
        uint8_t data[1];
        bridge.io_read(port - 0xCF8, data);
        return data[0];
    }
    uint32_t config32(uint8_t slot, uint8_t function, uint8_t offset, uint8_t bus = 0)
    {
        out32(0xCF8, 0x80000000u | uint32_t(bus) << 16 | uint32_t(slot) << 11 | uint32_t(function) << 8 | offset);
        return in32(0xCFC);
    }
};

}

TEST_CASE("PciDevice BAR sizing: 32-bit memory, I/O, 64-bit, unimplemented")
{
    auto device = make_device();
    CHECK(size_bar(*device, Bar0) == 0xFFFFF000);
    CHECK(size_bar(*device, Bar0 + 4) == 0xFFFF0008);     // prefetchable
    CHECK(size_bar(*device, Bar0 + 8) == 0xFFFFFFE1);     // I/O
    CHECK(size_bar(*device, Bar0 + 12) == 0xFFF0000C);    // 64-bit prefetchable, low dword
    CHECK(size_bar(*device, Bar0 + 16) == 0xFFFFFFFF);    // high dword
    CHECK(size_bar(*device, Bar0 + 20) == 0x00000000);    // unimplemented

    // The type bits stay whatever the guest writes.
    write32(*device, Bar0 + 8, 0x0000C000);
    CHECK(read32(*device, Bar0 + 8) == 0x0000C001);
    write32(*device, Bar0, 0xFEB01234);
    CHECK(read32(*device, Bar0) == 0xFEB01000);
}

TEST_CASE("PciDevice 64-bit BAR larger than 4 GiB sizes across both registers")
{
    TestDevice device;
    REQUIRE(device.declare_bar(0, { .kind = PciBarKind::Mmio, .size = 8 * GiB, .is_64bit = true, .handler = std::make_shared<NullHandler>() }).ok());
    CHECK(size_bar(device, Bar0) == 0x00000004);
    CHECK(size_bar(device, Bar0 + 4) == 0xFFFFFFFE);
}

TEST_CASE("PciDevice rejects invalid BAR declarations")
{
    TestDevice device;
    auto handler = std::make_shared<NullHandler>();
    CHECK_FALSE(device.declare_bar(0, { .kind = PciBarKind::Mmio, .size = 3000, .handler = handler }).ok());
    CHECK_FALSE(device.declare_bar(0, { .kind = PciBarKind::Mmio, .size = 8, .handler = handler }).ok());
    CHECK_FALSE(device.declare_bar(0, { .kind = PciBarKind::Mmio, .size = 4 * KiB }).ok());
    CHECK_FALSE(device.declare_bar(5, { .kind = PciBarKind::Mmio, .size = 4 * KiB, .is_64bit = true, .handler = handler }).ok());
    CHECK_FALSE(device.declare_bar(0, { .kind = PciBarKind::Io, .size = 512, .handler = handler }).ok());
    CHECK_FALSE(device.declare_bar(6, { .kind = PciBarKind::Io, .size = 16, .handler = handler }).ok());
    std::vector<uint8_t> unaligned(4 * KiB + 1);
    CHECK_FALSE(device.declare_bar(0, { .kind = PciBarKind::Memory, .size = 4 * KiB, .memory = std::span(unaligned).subspan(1) }).ok());

    CHECK(device.declare_bar(1, { .kind = PciBarKind::Mmio, .size = 4 * KiB, .is_64bit = true, .handler = handler }).ok());
    CHECK_FALSE(device.declare_bar(2, { .kind = PciBarKind::Io, .size = 16, .handler = handler }).ok());
    CHECK_FALSE(device.declare_bar(0, { .kind = PciBarKind::Mmio, .size = 4 * KiB, .is_64bit = true, .handler = handler }).ok());
}

TEST_CASE("PciDevice relocation: mapped only with decode on and a real address; moves are unmap + map")
{
    auto device = make_device();
    RecordingMapper mapper;
    device->set_bar_mapper(&mapper);

    write32(*device, Bar0, 0xFEB00000);
    write32(*device, Bar0 + 8, 0xC000);
    CHECK(mapper.take().empty()); // decode off

    write16(*device, Command, command_memory);
    CHECK(mapper.take() == std::vector<MapEvent> { { true, 0, 0xFEB00000 } });
    CHECK(device->bar_address(0) == 0xFEB00000);
    CHECK(mapper.last_info.kind == PciBarKind::Mmio);
    CHECK(mapper.last_info.size == 4 * KiB);

    write32(*device, Bar0, 0xFEC00000);
    CHECK(mapper.take() == std::vector<MapEvent> { { false, 0, 0xFEB00000 }, { true, 0, 0xFEC00000 } });

    // A byte write to the top byte moves it too; rewriting the same value does nothing.
    write8(*device, Bar0 + 3, 0xFD);
    CHECK(mapper.take() == std::vector<MapEvent> { { false, 0, 0xFEC00000 }, { true, 0, 0xFDC00000 } });
    write16(*device, Bar0 + 2, 0xFDC0);
    CHECK(mapper.take().empty());

    // Sizing with decode on: the all-ones pattern is never mapped.
    write32(*device, Bar0, 0xFFFFFFFF);
    CHECK(mapper.take() == std::vector<MapEvent> { { false, 0, 0xFDC00000 } });
    write32(*device, Bar0, 0xFDC00000);
    CHECK(mapper.take() == std::vector<MapEvent> { { true, 0, 0xFDC00000 } });

    // Decode off and on; I/O decode maps the I/O BAR only.
    write16(*device, Command, 0);
    CHECK(mapper.take() == std::vector<MapEvent> { { false, 0, 0xFDC00000 } });
    write16(*device, Command, command_io);
    CHECK(mapper.take() == std::vector<MapEvent> { { true, 2, 0xC000 } });
    CHECK(mapper.last_info.kind == PciBarKind::Io);

    // An I/O BAR beyond the 64 KiB port space is not mapped.
    write32(*device, Bar0 + 8, 0x0001FFE0);
    CHECK(mapper.take() == std::vector<MapEvent> { { false, 2, 0xC000 } });
    CHECK_FALSE(device->bar_address(2).has_value());

    // Address 0 is "not placed".
    write32(*device, Bar0 + 8, 0);
    write16(*device, Command, command_io | command_memory);
    CHECK(mapper.take() == std::vector<MapEvent> { { true, 0, 0xFDC00000 } });
}

TEST_CASE("PciDevice 64-bit BAR placed above 4 GiB; memory-backed BAR carries its memory")
{
    auto device = make_device();
    RecordingMapper mapper;
    device->set_bar_mapper(&mapper);

    write32(*device, Bar0 + 12, 0x00100000);
    write32(*device, Bar0 + 16, 0x00000008);
    CHECK(read32(*device, Bar0 + 12) == 0x0010000C);
    CHECK(read32(*device, Bar0 + 16) == 0x00000008);
    write32(*device, Bar0 + 4, 0xF0000000);
    write16(*device, Command, command_memory);
    CHECK(mapper.take() == std::vector<MapEvent> { { true, 1, 0xF0000000 }, { true, 3, 0x800100000 } });

    write32(*device, Bar0 + 4, 0xF0000000);
    write32(*device, Bar0 + 16, 0x00000009);
    CHECK(mapper.take() == std::vector<MapEvent> { { false, 3, 0x800100000 }, { true, 3, 0x900100000 } });

    // High dword all-ones is a sizing pattern.
    write32(*device, Bar0 + 16, 0xFFFFFFFF);
    CHECK(mapper.take() == std::vector<MapEvent> { { false, 3, 0x900100000 } });

    write16(*device, Command, 0);
    mapper.take();
    write16(*device, Command, command_memory);
    REQUIRE(mapper.events.size() == 1);
    CHECK(mapper.events[0] == MapEvent { true, 1, 0xF0000000 });
    CHECK(mapper.last_info.kind == PciBarKind::Memory);
    CHECK(mapper.last_info.memory.size() == 64 * KiB);
    CHECK(mapper.last_info.prefetchable);
}

TEST_CASE("PciDevice read-only identity and the writable bits of the header")
{
    auto device = make_device();
    write32(*device, Vendor, 0x12345678);
    CHECK(read32(*device, Vendor) == 0x01001B36);
    write32(*device, Revision, 0xFFFFFFFF);
    CHECK(read32(*device, Revision) == 0x03000005);
    write8(*device, HeaderType, 0x80);
    CHECK(read8(*device, HeaderType) == 0x00);
    write8(*device, InterruptPin, 4);
    CHECK(read8(*device, InterruptPin) == 1);
    write16(*device, Status, 0xFFFF);
    CHECK(read16(*device, Status) == 0);

    write16(*device, Command, 0xFFFF);
    CHECK(read16(*device, Command) == 0x0547);
    write8(*device, 0x0C, 0x10);
    CHECK(read8(*device, 0x0C) == 0x10);
    write8(*device, IrqLine, 11);
    CHECK(read8(*device, IrqLine) == 11);
    write32(*device, 0x40, 0xFFFFFFFF);
    CHECK(read32(*device, 0x40) == 0);

    // Accesses that cross a dword are refused.
    uint8_t crossing[4];
    device->config_read(0x02, crossing);
    CHECK(io_value(crossing) == 0xFFFFFFFF);
}

TEST_CASE("PciDevice expansion ROM BAR: sizing, enable bit, read-only memory mapping")
{
    auto device = make_device();
    RecordingMapper mapper;
    device->set_bar_mapper(&mapper);
    write16(*device, Command, command_memory);

    write32(*device, Rom, 0xFFFFF800);
    CHECK(read32(*device, Rom) == 0xFFFF0000);
    write32(*device, Rom, 0xFFFFFFFF);
    CHECK(read32(*device, Rom) == 0xFFFF0001);
    CHECK(mapper.take().empty()); // enabled, but a sizing pattern

    write32(*device, Rom, 0xFEB80000);
    CHECK(mapper.take().empty()); // not enabled
    write8(*device, Rom, 0x01);
    CHECK(mapper.take() == std::vector<MapEvent> { { true, pci_rom_bar, 0xFEB80000 } });
    CHECK(mapper.last_info.kind == PciBarKind::Memory);
    CHECK(mapper.last_info.read_only);
    CHECK(mapper.last_info.size == 64 * KiB);
    write32(*device, Rom, 0xFEB80000);
    CHECK(mapper.take() == std::vector<MapEvent> { { false, pci_rom_bar, 0xFEB80000 } });

    TestDevice without_rom;
    write32(without_rom, Rom, 0xFFFFFFFF);
    CHECK(read32(without_rom, Rom) == 0);
}

TEST_CASE("PciDevice INTx: line register, assert/deassert, interrupt-disable mask, status bit 3")
{
    auto device = make_device();
    std::vector<bool> levels;
    device->set_interrupt(InterruptLine([&levels](bool level) { levels.push_back(level); }), 11);
    CHECK(read8(*device, IrqLine) == 11);

    device->set_irq_level(true);
    CHECK(levels == std::vector<bool> { true });
    CHECK((read16(*device, Status) & 0x08) == 0x08);

    write16(*device, Command, command_interrupt_disable);
    CHECK(levels == std::vector<bool> { true, false });
    CHECK((read16(*device, Status) & 0x08) == 0x08);
    write16(*device, Command, 0);
    CHECK(levels == std::vector<bool> { true, false, true });

    device->set_irq_level(false);
    CHECK(levels == std::vector<bool> { true, false, true, false });
    CHECK((read16(*device, Status) & 0x08) == 0);
}

TEST_CASE("PciHostBridge: Linux's type-1 probe, the i440FX at 00:00.0, absent devices")
{
    RecordingMapper mapper;
    PciHostBridge bridge(mapper);
    Ports io { bridge };

    io.out8(0xCFB, 0x01);
    io.out32(0xCF8, 0x80000000);
    CHECK(io.in32(0xCF8) == 0x80000000);
    io.out8(0xCFB, 0x01);
    CHECK(io.in32(0xCF8) == 0x01000000);

    CHECK(io.config32(0, 0, 0x00) == 0x12378086);
    CHECK(io.config32(0, 0, 0x08) == 0x06000002);
    CHECK(io.config32(0, 0, 0x2C) == 0x11001AF4);
    CHECK(io.config32(0, 0, 0x0C) == 0x00000000); // header type 0, single function
    CHECK(io.in16(0xCFE) == 0x0000); // upper half of the register latched last: BIST, header type
    CHECK(io.config32(0, 0, 0x70) == 0x00020000); // SMRAM at 0x72 as after reset
    CHECK(io.in16(0xCFE) == 0x0002);

    CHECK(io.config32(5, 0, 0x00) == 0xFFFFFFFF);
    CHECK(io.config32(0, 1, 0x00) == 0xFFFFFFFF);
    CHECK(io.config32(0, 0, 0x00, 1) == 0xFFFFFFFF);
    io.out32(0xCF8, 0x00000000); // enable bit clear
    CHECK(io.in32(0xCFC) == 0xFFFFFFFF);

    // The PAM bytes store what is written; the data port's offset picks the byte.
    io.out32(0xCF8, 0x80000058);
    io.out8(0xCFD, 0x33);
    io.out8(0xCFF, 0x11);
    CHECK(io.in32(0xCFC) == 0x11003300);
    CHECK(io.in8(0xCFD) == 0x33);
}

TEST_CASE("PciHostBridge: devices added by slot, reached through CONFIG_DATA, given the mapper")
{
    RecordingMapper mapper;
    PciHostBridge bridge(mapper);
    Ports io { bridge };
    auto device = make_device();

    CHECK_FALSE(bridge.add_device(0, device).ok());
    CHECK_FALSE(bridge.add_device(32, device).ok());
    CHECK_FALSE(bridge.add_device(2, device, 8).ok());
    REQUIRE(bridge.add_device(2, device).ok());
    CHECK_FALSE(bridge.add_device(2, make_device()).ok());

    CHECK(io.config32(2, 0, 0x00) == 0x01001B36);
    CHECK(io.config32(2, 1, 0x00) == 0xFFFFFFFF);

    io.out32(0xCF8, 0x80000000 | 2 << 11 | Bar0);
    io.out32(0xCFC, 0xFFFFFFFF);
    CHECK(io.in32(0xCFC) == 0xFFFFF000);
    io.out32(0xCFC, 0xFEB00000);
    io.out32(0xCF8, 0x80000000 | 2 << 11 | Command);
    io.out8(0xCFC, command_memory);
    CHECK(mapper.take() == std::vector<MapEvent> { { true, 0, 0xFEB00000 } });

    // A second function answers once a device is added for it.
    REQUIRE(bridge.add_device(2, make_device(), 1).ok());
    CHECK(io.config32(2, 1, 0x00) == 0x01001B36);
}
