#include "vmm/pci_bar_mapping.h"

#include "devices/pci_device.h"
#include "devices/pci_host_bridge.h"

#include <array>
#include <doctest/doctest.h>
#include <vector>

using namespace spicebox;

namespace {

class RecordingSlots final : public MemorySlots {
public:
    Result<uint32_t> add_memory(uint64_t guest_address, std::span<uint8_t> host, MemorySlotFlags flags) override
    {
        slots.push_back({ true, guest_address, host.data(), flags.read_only, flags.log_dirty });
        return uint32_t(slots.size() - 1);
    }
    Result<void> take_dirty_log(uint32_t slot, std::span<uint64_t> bitmap) override
    {
        if (slot >= slots.size() || !slots[slot].present || !slots[slot].log_dirty)
            return Error { "slot does not log" };
        bitmap[0] |= next_dirty_log;
        next_dirty_log = 0;
        return {};
    }
    Result<void> remove_memory(uint32_t slot) override
    {
        if (slot >= slots.size() || !slots[slot].present)
            return Error { "no such slot" };
        slots[slot].present = false;
        return {};
    }
    struct Slot {
        bool present;
        uint64_t guest_address;
        uint8_t* host;
        bool read_only;
        bool log_dirty;
    };
    std::vector<Slot> present() const
    {
        std::vector<Slot> result;
        for (auto& slot : slots) {
            if (slot.present)
                result.push_back(slot);
        }
        return result;
    }
    std::vector<Slot> slots;
    uint64_t next_dirty_log { 0 }; // what the next take_dirty_log reports for pages 0-63
};

class ByteHandler final : public IoDevice {
public:
    void io_read(uint64_t offset, std::span<uint8_t> data) override { set_io_value(data, 0xA0 + offset); }
    void io_write(uint64_t, std::span<const uint8_t>) override { }
    std::string_view io_name() const override { return "bytes"; }
};

// BAR0: 64 KiB of RAM-backed memory (a framebuffer); BAR1: 16 ports; a 4 KiB ROM.
class FramebufferDevice final : public PciDevice {
public:
    FramebufferDevice() : PciDevice("fb", { .vendor_id = 0x1234, .device_id = 0x1111, .class_code = 0x030000 }) { }
    Result<void> declare()
    {
        TRY(declare_bar(0, { .kind = PciBarKind::Memory, .size = sizeof m_vram, .log_dirty = true, .memory = m_vram }));
        TRY(declare_bar(1, { .kind = PciBarKind::Io, .size = 16, .handler = std::make_shared<ByteHandler>() }));
        return declare_rom(m_rom);
    }
    bool dirty_pages(std::span<uint64_t> bitmap) { return take_dirty_pages(0, bitmap); }
    alignas(4096) std::array<uint8_t, 64 * 1024> m_vram {};
    alignas(4096) std::array<uint8_t, 4096> m_rom {};
};

enum ConfigOffset : uint8_t { kCommand = 0x04, kBar0 = 0x10, kBar1 = 0x14, kRom = 0x30 };
constexpr uint32_t kCommandIo = 1, kCommandMemory = 2, kRomEnable = 1;
constexpr uint8_t kSlot = 3;

struct Fixture {
    Fixture()
    {
        REQUIRE(memory.add_region(0, ram, "ram").ok());
        REQUIRE(device->declare().ok());
        REQUIRE(bridge->add_device(kSlot, device).ok());
        REQUIRE(ports.map(0xCF8, 8, bridge).ok());
    }
    void config_write(uint8_t offset, uint32_t value)
    {
        uint8_t address[4], data[4];
        set_io_value(address, 0x80000000u | (kSlot << 11) | offset);
        set_io_value(data, value);
        ports.write(0xCF8, address);
        ports.write(0xCFC, data);
    }

    std::vector<uint8_t> ram = std::vector<uint8_t>(16 << 20);
    GuestMemory memory;
    IoBus ports { "pio", 0xFF };
    IoBus mmio { "mmio", 0x00 };
    RecordingSlots slots;
    PciBarMapping mapping { ports, mmio, memory, slots };
    std::shared_ptr<PciHostBridge> bridge = std::make_shared<PciHostBridge>(mapping);
    std::shared_ptr<FramebufferDevice> device = std::make_shared<FramebufferDevice>();
};

}

TEST_CASE("a memory BAR becomes a memory slot and a GuestMemory region where the guest puts it, and follows it")
{
    Fixture f;
    f.config_write(kBar0, 0xE0000000);
    CHECK(f.slots.present().empty());
    f.config_write(kCommand, kCommandMemory);
    REQUIRE(f.slots.present().size() == 1);
    CHECK(f.slots.present()[0].guest_address == 0xE0000000);
    CHECK(f.slots.present()[0].host == f.device->m_vram.data());
    CHECK(f.memory.span(0xE0000000, 64 * 1024)->data() == f.device->m_vram.data());

    f.config_write(kBar0, 0xE1000000);
    REQUIRE(f.slots.present().size() == 1);
    CHECK(f.slots.present()[0].guest_address == 0xE1000000);
    CHECK_FALSE(f.memory.span(0xE0000000, 1).ok());
    CHECK(f.memory.span(0xE1000000, 1).ok());

    f.config_write(kCommand, 0);
    CHECK(f.slots.present().empty());
    CHECK_FALSE(f.memory.span(0xE1000000, 1).ok());
}

TEST_CASE("a BAR the guest places over RAM stays unmapped")
{
    Fixture f;
    f.config_write(kBar0, 0x00100000);
    f.config_write(kCommand, kCommandMemory);
    CHECK(f.slots.present().empty());
    CHECK(f.memory.span(0x100000, 1)->data() == f.ram.data() + 0x100000);
}

TEST_CASE("an I/O BAR is trapped on the port bus and the ROM is mapped read-only")
{
    Fixture f;
    f.config_write(kBar1, 0xC000);
    f.config_write(kCommand, kCommandIo);
    uint8_t byte[1];
    CHECK(f.ports.read(0xC005, byte));
    CHECK(byte[0] == 0xA5);

    f.config_write(kRom, 0xFEB00000 | kRomEnable);
    f.config_write(kCommand, kCommandIo | kCommandMemory);
    REQUIRE(f.slots.present().size() == 1);
    CHECK(f.slots.present()[0].read_only);
    CHECK(f.slots.present()[0].guest_address == 0xFEB00000);

    f.config_write(kCommand, kCommandMemory);
    CHECK_FALSE(f.ports.read(0xC005, byte));
}

TEST_CASE("a memory BAR declared with log_dirty is a logging slot whose dirty pages the device can take")
{
    Fixture f;
    uint64_t bitmap[1] = { 0 };
    CHECK_FALSE(f.device->dirty_pages(bitmap)); // not mapped: nothing can tell

    f.config_write(kBar0, 0xE0000000);
    f.config_write(kCommand, kCommandMemory);
    REQUIRE(f.slots.present().size() == 1);
    CHECK(f.slots.present()[0].log_dirty);

    f.slots.next_dirty_log = 0b1010;
    bitmap[0] = 0x100;
    CHECK(f.device->dirty_pages(bitmap));
    CHECK(bitmap[0] == 0x10A); // merged into what the caller had
    bitmap[0] = 0;
    CHECK(f.device->dirty_pages(bitmap));
    CHECK(bitmap[0] == 0); // taking clears the log

    f.config_write(kCommand, 0);
    CHECK_FALSE(f.device->dirty_pages(bitmap));
}
