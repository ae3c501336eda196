#include "tests/unit/qxl/qxl_test_guest.h"

using namespace spicebox;
using namespace spicebox::qxl_test;

TEST_CASE("qxl: PCI identity is QEMU's qxl-vga revision 5")
{
    QxlTestGuest guest;
    CHECK(guest.config_read(0x00, 2) == 0x1B36);
    CHECK(guest.config_read(0x02, 2) == 0x0100);
    CHECK(guest.config_read(0x08, 1) == 5);
    CHECK((guest.config_read(0x08, 4) >> 8) == 0x030000);
    CHECK(guest.config_read(0x2C, 2) == 0x1AF4);
    CHECK(guest.config_read(0x2E, 2) == 0x1100);
    CHECK(guest.config_read(0x3D, 1) == 1);

    // BAR sizes as the guest measures them: write all-ones, read the mask back.
    const std::pair<uint8_t, uint32_t> bars[] = { { 0x10, 0xFC000000 }, { 0x14, 0xFC000000 }, { 0x18, 0xFFFFE000 }, { 0x1C, 0xFFFFFFE1 } };
    for (auto [offset, mask] : bars) {
        guest.config_write32(offset, 0xFFFFFFFF);
        CHECK(guest.config_read(offset, 4) == mask);
    }
}

TEST_CASE("qxl: the ROM is laid out as QEMU fills it for the default sizes")
{
    QxlTestGuest guest;
    const QXLRom& rom = guest.rom();
    CHECK(+rom.magic == 0x4F525851);
    CHECK(+rom.id == 0);
    CHECK(+rom.update_id == 0);
    CHECK(+rom.modes_offset == 0x488);
    CHECK(+rom.num_pages == 12286);
    CHECK(+rom.pages_offset == 0x1000000);
    CHECK(+rom.draw_area_offset == 0);
    CHECK(+rom.surface0_area_size == 0x1000000);
    CHECK(+rom.ram_header_offset == 0x3FFE000);
    CHECK(+rom.n_surfaces == 1024);
    CHECK(+rom.slots_start == 1);
    CHECK(+rom.slots_end == 7);
    CHECK(+rom.slot_gen_bits == 8);
    CHECK(+rom.slot_id_bits == 8);
    CHECK(+rom.slot_generation == 0);
    CHECK(+rom.client_present == 0);
    CHECK(+rom.client_monitors_config.count == 0);

    uint32_t n_modes;
    std::memcpy(&n_modes, guest.device->rom().data() + 0x488, 4);
    CHECK(n_modes == 128);
    auto mode = [&](uint32_t index) {
        QXLMode m;
        std::memcpy(&m, guest.device->rom().data() + 0x48C + index * sizeof(QXLMode), sizeof(m));
        return m;
    };
    QXLMode first = mode(0);
    CHECK(+first.id == 0);
    CHECK(+first.x_res == 640);
    CHECK(+first.y_res == 480);
    CHECK(+first.bits == 16);
    CHECK(+first.stride == 1280);
    CHECK(+first.x_mili == 187);
    CHECK(+first.y_mili == 140);
    CHECK(+first.orientation == 0);
    QXLMode xga = mode(6 * 4 + 1); // 1024x768, 32 bits, orientation 0
    CHECK(+xga.x_res == 1024);
    CHECK(+xga.y_res == 768);
    CHECK(+xga.bits == 32);
    CHECK(+xga.stride == 4096);
    CHECK(+xga.x_mili == 300);
    CHECK(+xga.y_mili == 225);
    CHECK(+mode(3).orientation == 1);
    // Modes too large for 16 MiB are left out but the ids keep their place in the full table.
    QXLMode last = mode(127);
    CHECK(+last.id > 127);
    uint64_t last_size = uint64_t(last.y_res) * last.stride;
    CHECK(last_size <= 16 * QxlConfig::MiB);
}

TEST_CASE("qxl: layout follows QEMU's rounding and the mode count follows vgamem")
{
    auto count_modes = [](uint64_t vgamem) {
        QxlTestGuest guest(QxlConfig { .ram_size = 64 * QxlConfig::MiB, .vram_size = 64 * QxlConfig::MiB, .vgamem_size = vgamem });
        uint32_t n;
        std::memcpy(&n, guest.device->rom().data() + 0x488, 4);
        return n;
    };
    CHECK(count_modes(8 * QxlConfig::MiB) == 106);
    CHECK(count_modes(32 * QxlConfig::MiB) == 138);

    auto layout = QxlLayout::from_config({ .ram_size = 10 * QxlConfig::MiB, .vram_size = 100, .vgamem_size = 3 * QxlConfig::MiB });
    REQUIRE(layout.ok());
    CHECK(layout->vgamem_size == 8 * QxlConfig::MiB);
    CHECK(layout->ram_size == 16 * QxlConfig::MiB);
    CHECK(layout->vram_size == 4096);
    CHECK(!QxlLayout::from_config({ .ram_size = 4096 * QxlConfig::MiB }).ok());
    CHECK(!QxlLayout::from_config({ .surfaces = 0 }).ok());
}

TEST_CASE("qxl: reset leaves the RAM header initialised and the card in VGA mode")
{
    QxlTestGuest guest;
    QXLRam& ram = guest.ram_header();
    CHECK(+ram.magic == 0x41525851);
    CHECK(+ram.int_pending == 0);
    CHECK(+ram.int_mask == 0);
    CHECK(+ram.cmd_ring.num_items == 32);
    CHECK(+ram.cursor_ring.num_items == 32);
    CHECK(+ram.release_ring.num_items == 8);
    CHECK(+ram.cmd_ring.notify_on_prod == 1);
    CHECK(+ram.cmd_ring.notify_on_cons == 0);
    CHECK(guest.device->mode() == QxlMode::Vga);
    CHECK(guest.device->vga_vram().size() == 16 * QxlConfig::MiB);
    CHECK(guest.device->vga_vram().data() == guest.device->ram().data());

    // The guest scribbles over the header; RESET restores it and forgets the interrupt mask.
    ram.int_mask = 0xFF;
    ram.cmd_ring.prod = 7;
    ram.release_ring.cons = 3;
    guest.out(QXL_IO_RESET);
    CHECK(+ram.int_mask == 0);
    CHECK(+ram.cmd_ring.prod == 0);
    CHECK(+ram.release_ring.cons == 0);
}
