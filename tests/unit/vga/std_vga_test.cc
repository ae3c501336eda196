#include "vga/std_vga.h"

#include "devices/pci_host_bridge.h"
#include "vga/edid.h"

#include <doctest/doctest.h>
#include <vector>

using namespace spicebox;
using namespace spicebox::vga;

namespace {

class RecordingMapper final : public PciBarMapper {
public:
    struct Mapping {
        int bar;
        PciBarInfo info;
        uint64_t address;
    };
    void bar_mapped(PciDevice&, int bar, const PciBarInfo& info, uint64_t address) override { mapped.push_back({ bar, info, address }); }
    void bar_unmapped(PciDevice&, int bar, const PciBarInfo&, uint64_t) override
    {
        std::erase_if(mapped, [bar](const Mapping& m) { return m.bar == bar; });
    }
    const Mapping* find(int bar) const
    {
        for (auto& m : mapped) {
            if (m.bar == bar)
                return &m;
        }
        return nullptr;
    }
    std::vector<Mapping> mapped;
};

struct Card {
    Card()
    {
        auto created = StdVga::create({});
        REQUIRE(created.ok());
        vga = *created;
        vga->set_bar_mapper(&mapper);
    }
    uint32_t config_read(uint8_t offset)
    {
        uint8_t data[4];
        vga->config_read(offset, data);
        return uint32_t(io_value(data));
    }
    void config_write(uint8_t offset, uint32_t value)
    {
        uint8_t data[4];
        set_io_value(data, value);
        vga->config_write(offset, data);
    }
    IoDevice& mmio() { return *mapper.find(StdVga::mmio_bar)->info.handler; }
    uint64_t mmio_read(uint64_t offset, size_t size)
    {
        uint8_t data[4];
        mmio().io_read(offset, std::span(data, size));
        return io_value(std::span(data, size));
    }
    void mmio_write(uint64_t offset, size_t size, uint32_t value)
    {
        uint8_t data[4];
        set_io_value(std::span(data, size), value);
        mmio().io_write(offset, std::span(data, size));
    }
    RecordingMapper mapper;
    std::shared_ptr<StdVga> vga;
};

}

TEST_CASE("stdvga identity: 1234:1111 rev 2, VGA class, QEMU's subsystem, no interrupt")
{
    Card card;
    CHECK(card.config_read(0x00) == 0x11111234);
    CHECK(card.config_read(0x08) == 0x03000002);
    CHECK(card.config_read(0x2C) == 0x11001AF4);
    CHECK((card.config_read(0x3C) >> 8 & 0xFF) == 0);
}

TEST_CASE("BAR0 is 16 MiB of prefetchable, dirty-logged memory; BAR2 is 4 KiB of MMIO; no ROM without an image")
{
    Card card;
    card.config_write(0x10, 0xFFFFFFFF);
    CHECK(card.config_read(0x10) == (0xFF000000 | 0x8));
    card.config_write(0x18, 0xFFFFFFFF);
    CHECK(card.config_read(0x18) == 0xFFFFF000);
    CHECK(card.config_read(0x14) == 0);
    card.config_write(0x30, 0xFFFFFFFF);
    CHECK(card.config_read(0x30) == 0);

    card.config_write(0x10, 0xC0000000);
    card.config_write(0x18, 0xC1000000);
    card.config_write(0x04, 0x2);
    auto* vram = card.mapper.find(StdVga::vram_bar);
    REQUIRE(vram);
    CHECK(vram->address == 0xC0000000);
    CHECK(vram->info.kind == PciBarKind::Memory);
    CHECK(vram->info.log_dirty);
    CHECK(vram->info.memory.data() == card.vga->core().vram().data());
    CHECK(vram->info.memory.size() == 16 * 1024 * 1024);
    auto* mmio = card.mapper.find(StdVga::mmio_bar);
    REQUIRE(mmio);
    CHECK(mmio->address == 0xC1000000);
    CHECK(mmio->info.kind == PciBarKind::Mmio);
}

TEST_CASE("a VGA BIOS image becomes the expansion ROM, padded to a power of two")
{
    std::vector<uint8_t> image(38912, 0xAB);
    image[0] = 0x55;
    image[1] = 0xAA;
    auto created = StdVga::create(image);
    REQUIRE(created.ok());
    auto& vga = **created;
    uint8_t data[4];
    set_io_value(data, 0xFFFFFFFF);
    vga.config_write(0x30, data);
    vga.config_read(0x30, data);
    CHECK(io_value(data) == 0xFFFF0001); // 64 KiB, and the enable bit
}

TEST_CASE("the MMIO BAR shows the EDID, the VGA ports at 0x400 and the DISPI registers at 0x500")
{
    Card card;
    card.config_write(0x18, 0xC1000000);
    card.config_write(0x04, 0x2);

    auto edid = spicebox_edid();
    for (uint64_t i = 0; i < edid.size(); ++i)
        CHECK(card.mmio_read(i, 1) == edid[i]);
    CHECK(card.mmio_read(0x80, 4) == 0);
    card.mmio_write(0x00, 1, 0x12); // read-only
    CHECK(card.mmio_read(0x00, 1) == 0x00);

    // VGA: MISC through 0x402 (0x3C2) and back through 0x40C (0x3CC); a word write to the sequencer pair.
    card.mmio_write(0x402, 1, 0x67);
    CHECK(card.vga->core().read_port(0x3CC) == 0x67);
    card.mmio_write(0x404, 2, 0x0F02);
    CHECK(card.vga->core().read_port(0x3C4) == 0x02);
    CHECK(card.mmio_read(0x405, 1) == 0x0F);
    CHECK(card.mmio_read(0x404, 2) == 0x0F02);

    // DISPI: register n at 0x500 + 2n, the same registers as ports 0x1CE/0x1CF.
    CHECK(card.mmio_read(0x500, 2) == dispi::id5);
    CHECK(card.mmio_read(0x500 + 2 * 0xA, 2) == 256);
    card.mmio_write(0x500 + 2 * 1, 2, 1024);
    CHECK(card.vga->core().read_vbe_register(uint16_t(DispiIndex::XRes)) == 1024);
    CHECK(card.mmio_read(0x502, 4) == (1024u | uint32_t(card.vga->core().read_vbe_register(uint16_t(DispiIndex::YRes))) << 16));
    CHECK(card.vga->core().read_vbe_index() == uint16_t(DispiIndex::YRes)); // an MMIO access selects the index, as in QEMU

    // QEXT: size 8, little-endian framebuffer, which a big-endian request does not change.
    CHECK(card.mmio_read(0x600, 4) == 8);
    CHECK(card.mmio_read(0x604, 4) == 0x1E1E1E1E);
    card.mmio_write(0x604, 4, 0xBEBEBEBE);
    CHECK(card.mmio_read(0x604, 4) == 0x1E1E1E1E);
}

TEST_CASE("the VBE ports take 16-bit accesses as one register access")
{
    Card card;
    auto ports = card.vga->vbe_ports();
    uint8_t word[2];
    set_io_value(word, uint16_t(DispiIndex::XRes));
    ports->io_write(0, word);
    set_io_value(word, 800);
    ports->io_write(1, word);
    CHECK(card.vga->core().read_vbe_register(uint16_t(DispiIndex::XRes)) == 800);
    set_io_value(word, uint16_t(DispiIndex::YRes));
    ports->io_write(0, word);
    set_io_value(word, 600);
    ports->io_write(2, word); // 0x1D0, the other data port
    ports->io_read(1, word);
    CHECK(io_value(word) == 600);
    ports->io_read(0, word);
    CHECK(io_value(word) == uint16_t(DispiIndex::YRes));
}
