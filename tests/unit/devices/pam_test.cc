#include "devices/pam.h"
#include "devices/pci_host_bridge.h"

#include <doctest/doctest.h>
#include <vector>

using namespace spicebox;

namespace {

class NoBars final : public PciBarMapper {
public:
    void bar_mapped(PciDevice&, int, const PciBarInfo&, uint64_t) override { }
    void bar_unmapped(PciDevice&, int, const PciBarInfo&, uint64_t) override { }
};

struct Change {
    size_t segment;
    PamAccess access;
    bool operator==(const Change&) const = default;
};

class RecordingPam final : public PamMapper {
public:
    void pam_changed(size_t segment, PamAccess access) override { changes.push_back({ segment, access }); }
    std::vector<Change> take() { return std::exchange(changes, {}); }
    std::vector<Change> changes;
};

// Host bridge config space through 0xCF8/0xCFC.
struct HostBridge {
    NoBars bars;
    RecordingPam pam;
    PciHostBridge bridge { bars, &pam };

    void select(uint8_t offset)
    {
        uint8_t address[4];
        set_io_value(address, 0x80000000u | (offset & 0xFCu));
        bridge.io_write(0, address);
    }
    void write32(uint8_t offset, uint32_t value)
    {
        select(offset);
        uint8_t data[4];
        set_io_value(data, value);
        bridge.io_write(4, data);
    }
    void write8(uint8_t offset, uint8_t value)
    {
        select(offset);
        const uint8_t data[1] = { value };
        bridge.io_write(4 + (offset & 3), data);
    }
    uint8_t read8(uint8_t offset)
    {
        select(offset);
        uint8_t data[1];
        bridge.io_read(4 + (offset & 3), data);
        return data[0];
    }
};

} // namespace

TEST_CASE("PAM segments cover 0xC0000..0xFFFFF: 0xF0000 first, then 16 KiB pieces")
{
    CHECK(pam_segment(0).address == 0xF0000);
    CHECK(pam_segment(0).size == 0x10000);
    CHECK(pam_segment(1).address == 0xC0000);
    CHECK(pam_segment(12).address == 0xEC000);
    uint64_t covered = pam_segment(0).size;
    for (size_t i = 1; i < pam_segment_count; ++i) {
        CHECK(pam_segment(i).size == 0x4000);
        covered += pam_segment(i).size;
    }
    CHECK(covered == pam_area_end - pam_area_start);
}

TEST_CASE("PAM registers decode into per-segment access")
{
    // PAM0 = 0x30 (F segment RW; the low nibble is reserved), PAM1 = 0x12: 0xC0000 write-only,
    // 0xC4000 read-only; PAM6 = 0x31: 0xE8000 read-only, 0xEC000 read-write.
    const std::array<uint8_t, pam_register_count> registers { 0x3F, 0x12, 0, 0, 0, 0, 0x31 };
    CHECK(pam_access(registers, 0) == PamAccess::ReadWrite);
    CHECK(pam_access(registers, 1) == PamAccess::WriteOnly);
    CHECK(pam_access(registers, 2) == PamAccess::ReadOnly);
    CHECK(pam_access(registers, 3) == PamAccess::Pci);
    CHECK(pam_access(registers, 11) == PamAccess::ReadOnly);
    CHECK(pam_access(registers, 12) == PamAccess::ReadWrite);
    CHECK(pam_access(registers, pam_segment_count) == PamAccess::Pci);
}

TEST_CASE("Host bridge PAM writes report exactly the segments that changed")
{
    HostBridge host;
    CHECK(host.read8(0x59) == 0);

    // SeaBIOS's make_bios_writable: two dword writes at 0x58 and 0x5C (0x58 is not a PAM register).
    host.write32(0x58, 0x33333000);
    CHECK(host.pam.take() == std::vector<Change> { { 0, PamAccess::ReadWrite }, { 1, PamAccess::ReadWrite }, { 2, PamAccess::ReadWrite }, { 3, PamAccess::ReadWrite }, { 4, PamAccess::ReadWrite } });
    host.write32(0x5C, 0x33333333);
    CHECK(host.pam.take() == std::vector<Change> { { 5, PamAccess::ReadWrite }, { 6, PamAccess::ReadWrite }, { 7, PamAccess::ReadWrite }, { 8, PamAccess::ReadWrite }, { 9, PamAccess::ReadWrite }, { 10, PamAccess::ReadWrite }, { 11, PamAccess::ReadWrite }, { 12, PamAccess::ReadWrite } });

    // Rewriting the same values changes nothing; one nibble changes one segment.
    host.write32(0x5C, 0x33333333);
    CHECK(host.pam.take().empty());
    host.write8(0x59, 0x10);
    CHECK(host.pam.take() == std::vector<Change> { { 0, PamAccess::ReadOnly } });
    host.write8(0x5F, 0x23);
    CHECK(host.pam.take() == std::vector<Change> { { 12, PamAccess::WriteOnly } });
    CHECK(host.read8(0x5F) == 0x23);

    // Registers next to the PAM block do not call the mapper.
    host.write8(0x60, 0xFF);
    host.write8(0x58, 0xFF);
    CHECK(host.pam.take().empty());
}

TEST_CASE("Host bridge without a PAM mapper keeps the registers as plain bytes")
{
    NoBars bars;
    PciHostBridge bridge(bars);
    uint8_t address[4];
    set_io_value(address, 0x80000058u);
    bridge.io_write(0, address);
    const uint8_t value[1] = { 0x33 };
    bridge.io_write(5, value);
    uint8_t read[1] = { 0 };
    bridge.io_read(5, read);
    CHECK(read[0] == 0x33);
}
