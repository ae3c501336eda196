#include "vmm/shadow_ram.h"

#include <doctest/doctest.h>
#include <map>
#include <vector>

using namespace spicebox;

namespace {

constexpr uint64_t KiB = 1024;

// What KVM would hold: the slots present, by guest address.
class RecordingSlots final : public MemorySlots {
public:
    struct Slot {
        uint64_t guest_address;
        std::span<uint8_t> host;
        bool read_only;
    };

    Result<uint32_t> add_memory(uint64_t guest_address, std::span<uint8_t> host, MemorySlotFlags flags) override
    {
        if (fail_next_add)
            return Error { "no free KVM memory slot" };
        for (auto& [id, slot] : slots)
            REQUIRE((guest_address + host.size() <= slot.guest_address || slot.guest_address + slot.host.size() <= guest_address));
        slots[next_id] = { guest_address, host, flags.read_only };
        return next_id++;
    }
    Result<void> remove_memory(uint32_t id) override
    {
        if (slots.erase(id) == 0)
            return Error { "no such slot" };
        return {};
    }
    Result<void> take_dirty_log(uint32_t, std::span<uint64_t>) override { return Error { "not logged" }; }
    const Slot* at(uint64_t guest_address) const
    {
        for (auto& [id, slot] : slots) {
            if (slot.guest_address == guest_address)
                return &slot;
        }
        return nullptr;
    }

    std::map<uint32_t, Slot> slots;
    uint32_t next_id { 0 };
    bool fail_next_add { false };
};

struct Area {
    std::vector<uint8_t> ram = std::vector<uint8_t>(ShadowRam::area_size, 0x11);
    std::vector<uint8_t> rom = std::vector<uint8_t>(128 * KiB, 0xEE);
    RecordingSlots slots;
    std::shared_ptr<ShadowRam> shadow;

    explicit Area(size_t rom_alias_size = 128 * KiB)
    {
        rom.resize(rom_alias_size);
        for (size_t i = 0; i < rom.size(); ++i)
            rom[i] = uint8_t(i >> 12);
        auto created = ShadowRam::create(slots, ram, rom);
        REQUIRE(created.ok());
        shadow = *created;
    }
    uint8_t read(uint64_t address)
    {
        uint8_t byte[1];
        shadow->io_read(address - pam_area_start, byte);
        return byte[0];
    }
    void write(uint64_t address, uint8_t value)
    {
        const uint8_t byte[1] = { value };
        shadow->io_write(address - pam_area_start, byte);
    }
};

} // namespace

TEST_CASE("ShadowRam after reset: the ROM alias read-only at 0xE0000..0xFFFFF, nothing below")
{
    Area area;
    CHECK(area.slots.slots.size() == 5);
    auto* f_segment = area.slots.at(0xF0000);
    REQUIRE(f_segment);
    CHECK(f_segment->read_only);
    CHECK(f_segment->host.data() == area.rom.data() + 64 * KiB);
    CHECK(f_segment->host.size() == 64 * KiB);
    auto* e_segment = area.slots.at(0xE0000);
    REQUIRE(e_segment);
    CHECK(e_segment->host.data() == area.rom.data());
    CHECK(e_segment->read_only);
    CHECK(area.slots.at(0xC0000) == nullptr);

    // Exits: below the alias nothing answers; writes vanish everywhere.
    CHECK(area.read(0xC0000) == 0xFF);
    CHECK(area.read(0xE4000) == 4);
    area.write(0xF0000, 0x99);
    area.write(0xC0000, 0x99);
    CHECK(area.ram[0] == 0x11);
    CHECK(area.ram[0x30000] == 0x11);
    CHECK(area.rom[64 * KiB] == 16);
}

TEST_CASE("ShadowRam follows each PAM access")
{
    Area area;
    constexpr size_t f_segment = 0, c_segment = 1, e_segment = 9;

    SUBCASE("read-write: a writable RAM slot")
    {
        area.shadow->pam_changed(f_segment, PamAccess::ReadWrite);
        auto* slot = area.slots.at(0xF0000);
        REQUIRE(slot);
        CHECK_FALSE(slot->read_only);
        CHECK(slot->host.data() == area.ram.data() + 0x30000);
        CHECK(area.slots.slots.size() == 5);
    }
    SUBCASE("read-only: RAM slot read-only, trapped writes dropped")
    {
        area.shadow->pam_changed(c_segment, PamAccess::ReadOnly);
        auto* slot = area.slots.at(0xC0000);
        REQUIRE(slot);
        CHECK(slot->read_only);
        CHECK(slot->host.data() == area.ram.data());
        area.write(0xC0010, 0x42);
        CHECK(area.ram[0x10] == 0x11);
        CHECK(area.read(0xC0010) == 0x11);
    }
    SUBCASE("write-only: reads from the ROM alias, trapped writes reach RAM")
    {
        area.shadow->pam_changed(e_segment, PamAccess::WriteOnly);
        auto* slot = area.slots.at(0xE0000);
        REQUIRE(slot);
        CHECK(slot->read_only);
        CHECK(slot->host.data() == area.rom.data());
        area.write(0xE0001, 0x42);
        CHECK(area.ram[0x20001] == 0x42);
        CHECK(area.read(0xE0001) == 0);
        CHECK(area.rom[1] == 0);
    }
    SUBCASE("write-only below the ROM alias: no slot, reads all-ones, writes reach RAM")
    {
        area.shadow->pam_changed(c_segment, PamAccess::WriteOnly);
        CHECK(area.slots.at(0xC0000) == nullptr);
        area.write(0xC3FFF, 0x42);
        CHECK(area.ram[0x3FFF] == 0x42);
        CHECK(area.read(0xC3FFF) == 0xFF);
        // The neighbour keeps its own access.
        area.write(0xC4000, 0x42);
        CHECK(area.ram[0x4000] == 0x11);
    }
    SUBCASE("back to PCI: the ROM slot returns")
    {
        area.shadow->pam_changed(f_segment, PamAccess::ReadWrite);
        area.shadow->pam_changed(f_segment, PamAccess::Pci);
        auto* slot = area.slots.at(0xF0000);
        REQUIRE(slot);
        CHECK(slot->host.data() == area.rom.data() + 64 * KiB);
        CHECK(area.slots.slots.size() == 5);
    }
}

TEST_CASE("ShadowRam: a multi-byte trapped access straddling two segments follows each one")
{
    Area area;
    area.shadow->pam_changed(1, PamAccess::ReadWrite);
    const uint8_t bytes[4] = { 1, 2, 3, 4 };
    area.shadow->io_write(0x3FFE, bytes);
    CHECK(area.ram[0x3FFE] == 1);
    CHECK(area.ram[0x3FFF] == 2);
    CHECK(area.ram[0x4000] == 0x11);
    uint8_t read[4];
    area.shadow->io_read(0x3FFE, read);
    CHECK(read[1] == 2);
    CHECK(read[2] == 0xFF);
    // Past the area (a bus would not send it, but nothing may break).
    area.shadow->io_read(ShadowRam::area_size - 2, read);
    CHECK(read[2] == 0xFF);
    area.shadow->io_write(ShadowRam::area_size - 2, bytes);
}

TEST_CASE("ShadowRam: a 64 KiB ROM aliases only 0xF0000; bad sizes are refused; slot failures are survived")
{
    Area small(64 * KiB);
    CHECK(small.slots.slots.size() == 1);
    CHECK(small.read(0xE0000) == 0xFF);
    CHECK(small.read(0xF1000) == 1);

    RecordingSlots slots;
    std::vector<uint8_t> ram(ShadowRam::area_size), rom(100 * KiB);
    CHECK_FALSE(ShadowRam::create(slots, ram, rom).ok());
    std::vector<uint8_t> short_ram(64 * KiB), good_rom(128 * KiB);
    CHECK_FALSE(ShadowRam::create(slots, short_ram, good_rom).ok());

    small.slots.fail_next_add = true;
    small.shadow->pam_changed(0, PamAccess::ReadOnly);
    CHECK(small.slots.at(0xF0000) == nullptr);
    // The segment still behaves through exits.
    CHECK(small.read(0xF0000) == 0x11);
}
