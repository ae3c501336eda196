#include "vga_fixture.h"

using namespace spicebox;
using namespace spicebox::vga;
using spicebox::vga_test::VgaFixture;

namespace {

constexpr uint32_t b8000 = 0x18000;

// Mode 3's memory setup (SeaVGABIOS): odd/even through the B8000 window, planes 0 and 1.
void text_memory(VgaFixture& vga)
{
    vga.seq(Seq::MapMask, 0x03);
    vga.seq(Seq::MemoryMode, 0x02);
    vga.gfx(Gfx::ReadMapSelect, 0x00);
    vga.gfx(Gfx::Mode, gfx::host_odd_even);
    vga.gfx(Gfx::Misc, 0x0E);
}

// Planar access through A0000 64K (modes 0Dh-12h): no chain-4, no odd/even.
void planar_memory(VgaFixture& vga)
{
    vga.seq(Seq::MapMask, 0x0F);
    vga.seq(Seq::MemoryMode, 0x06);
    vga.gfx(Gfx::Mode, 0x00);
    vga.gfx(Gfx::Misc, 0x05);
    vga.gfx(Gfx::BitMask, 0xFF);
}

uint8_t plane(VgaFixture& vga, uint32_t offset, unsigned p) { return vga.vram()[4 * offset + p]; }

}

TEST_CASE("odd/even text writes put characters in plane 0 and attributes in plane 1")
{
    VgaFixture vga;
    text_memory(vga);
    vga.core->write_window(b8000 + 0, 'A');
    vga.core->write_window(b8000 + 1, 0x1F);
    vga.core->write_window(b8000 + 2, 'B');
    vga.core->write_window(b8000 + 3, 0x2E);
    CHECK(plane(vga, 0, 0) == 'A');
    CHECK(plane(vga, 0, 1) == 0x1F);
    CHECK(plane(vga, 1, 0) == 'B');
    CHECK(plane(vga, 1, 1) == 0x2E);
    CHECK(plane(vga, 0, 2) == 0); // the font plane is untouched
    CHECK(vga.core->read_window(b8000 + 2) == 'B');
    CHECK(vga.core->read_window(b8000 + 3) == 0x2E);
    // A0000 does not decode in the B8000 map.
    CHECK(vga.core->read_window(0) == 0xFF);
    vga.core->write_window(0, 0x55);
    CHECK(vga.vram()[0] == 'A');
}

TEST_CASE("with map mask 4 and no odd/even, writes land in plane 2 (loading a font)")
{
    VgaFixture vga;
    vga.seq(Seq::MapMask, 0x04);
    vga.seq(Seq::MemoryMode, 0x07);
    vga.gfx(Gfx::ReadMapSelect, 0x02);
    vga.gfx(Gfx::Mode, 0x00);
    vga.gfx(Gfx::Misc, 0x04);
    vga.gfx(Gfx::BitMask, 0xFF);
    vga.core->write_window(32 * 'A' + 3, 0x7E);
    CHECK(plane(vga, 32 * 'A' + 3, 2) == 0x7E);
    CHECK(plane(vga, 32 * 'A' + 3, 0) == 0);
    CHECK(vga.core->read_window(32 * 'A' + 3) == 0x7E);
}

TEST_CASE("chain-4 addresses VRAM bytes directly, plane = address & 3, gated by the map mask")
{
    VgaFixture vga;
    vga.seq(Seq::MemoryMode, seq::chain4 | 0x06);
    vga.seq(Seq::MapMask, 0x0F);
    vga.gfx(Gfx::Misc, 0x05);
    vga.core->write_window(0x1234, 0x99);
    CHECK(vga.vram()[0x1234] == 0x99);
    CHECK(vga.core->read_window(0x1234) == 0x99);

    vga.seq(Seq::MapMask, 0x01); // only plane 0: addresses 4n
    vga.core->write_window(0x1235, 0x11);
    vga.core->write_window(0x1238, 0x22);
    CHECK(vga.vram()[0x1235] == 0);
    CHECK(vga.vram()[0x1238] == 0x22);

    // The 64K map ends at B0000.
    CHECK(vga.core->read_window(0x10000) == 0xFF);
}

TEST_CASE("planar write mode 0 rotates, applies set/reset, the ALU and the bit mask against the latches")
{
    VgaFixture vga;
    planar_memory(vga);
    // Plain write to all planes.
    vga.core->write_window(10, 0xA5);
    for (unsigned p = 0; p < 4; ++p)
        CHECK(plane(vga, 10, p) == 0xA5);

    // Set/reset on planes 0 and 2 with value 0b0001: plane 0 all ones, plane 2 all zeros.
    vga.gfx(Gfx::SetReset, 0x01);
    vga.gfx(Gfx::EnableSetReset, 0x05);
    vga.core->write_window(11, 0x3C);
    CHECK(plane(vga, 11, 0) == 0xFF);
    CHECK(plane(vga, 11, 1) == 0x3C);
    CHECK(plane(vga, 11, 2) == 0x00);
    CHECK(plane(vga, 11, 3) == 0x3C);
    vga.gfx(Gfx::EnableSetReset, 0x00);

    // Rotate right by 4 with XOR against the latches, bit mask 0xF0: only the high nibble changes.
    vga.core->read_window(10); // latches = A5 A5 A5 A5
    vga.gfx(Gfx::DataRotate, uint8_t(3 << gfx::function_shift | 4));
    vga.gfx(Gfx::BitMask, 0xF0);
    vga.core->write_window(12, 0x0F); // rotated: 0xF0; xor A5 = 0x55; masked high nibble from it, low from latch
    for (unsigned p = 0; p < 4; ++p)
        CHECK(plane(vga, 12, p) == 0x55);
    vga.gfx(Gfx::DataRotate, 0);
    vga.gfx(Gfx::BitMask, 0xFF);

    // The map mask keeps planes 1-3 as they were.
    vga.seq(Seq::MapMask, 0x01);
    vga.core->write_window(10, 0x00);
    CHECK(plane(vga, 10, 0) == 0x00);
    CHECK(plane(vga, 10, 1) == 0xA5);
}

TEST_CASE("write mode 1 copies the latches; read mode 0 reads the selected plane")
{
    VgaFixture vga;
    planar_memory(vga);
    vga.seq(Seq::MapMask, 0x01);
    vga.core->write_window(20, 0x11);
    vga.seq(Seq::MapMask, 0x02);
    vga.core->write_window(20, 0x22);
    vga.seq(Seq::MapMask, 0x04);
    vga.core->write_window(20, 0x33);
    vga.seq(Seq::MapMask, 0x08);
    vga.core->write_window(20, 0x44);
    vga.seq(Seq::MapMask, 0x0F);

    for (uint8_t p = 0; p < 4; ++p) {
        vga.gfx(Gfx::ReadMapSelect, p);
        CHECK(vga.core->read_window(20) == 0x11 * (p + 1));
    }
    vga.gfx(Gfx::Mode, 0x01);
    vga.core->write_window(21, 0x00); // the data byte does not matter
    for (unsigned p = 0; p < 4; ++p)
        CHECK(plane(vga, 21, p) == 0x11 * (p + 1));
}

TEST_CASE("write mode 2 spreads the colour over the bit mask; write mode 3 masks set/reset by the rotated data")
{
    VgaFixture vga;
    planar_memory(vga);
    vga.gfx(Gfx::Mode, 0x02);
    vga.gfx(Gfx::BitMask, 0x81);
    vga.core->read_window(30); // latches = 0
    vga.core->write_window(30, 0x05); // colour 5: planes 0 and 2
    CHECK(plane(vga, 30, 0) == 0x81);
    CHECK(plane(vga, 30, 1) == 0x00);
    CHECK(plane(vga, 30, 2) == 0x81);
    CHECK(plane(vga, 30, 3) == 0x00);

    vga.gfx(Gfx::Mode, 0x03);
    vga.gfx(Gfx::BitMask, 0xFF);
    vga.gfx(Gfx::SetReset, 0x0A); // colour 10: planes 1 and 3
    vga.core->read_window(31);
    vga.core->write_window(31, 0x3C);
    CHECK(plane(vga, 31, 0) == 0x00);
    CHECK(plane(vga, 31, 1) == 0x3C);
    CHECK(plane(vga, 31, 3) == 0x3C);
}

TEST_CASE("read mode 1 compares every pixel with the colour compare register")
{
    VgaFixture vga;
    planar_memory(vga);
    vga.gfx(Gfx::Mode, 0x02);
    vga.gfx(Gfx::BitMask, 0xF0);
    vga.core->write_window(40, 0x06); // left four pixels colour 6, the rest colour 0
    vga.gfx(Gfx::BitMask, 0xFF);
    vga.gfx(Gfx::Mode, gfx::read_mode_compare);
    vga.gfx(Gfx::ColorCompare, 0x06);
    vga.gfx(Gfx::ColorDontCare, 0x0F);
    CHECK(vga.core->read_window(40) == 0xF0);
    vga.gfx(Gfx::ColorCompare, 0x00);
    CHECK(vga.core->read_window(40) == 0x0F);
    vga.gfx(Gfx::ColorDontCare, 0x00); // nothing matters: every pixel matches
    CHECK(vga.core->read_window(40) == 0xFF);
}

TEST_CASE("the VBE bank selects the 64 KiB of VRAM behind A0000, and no access leaves VRAM")
{
    VgaFixture vga(1024 * 1024);
    vga.vbe(DispiIndex::XRes, 640);
    vga.vbe(DispiIndex::YRes, 480);
    vga.vbe(DispiIndex::Bpp, 8);
    vga.vbe(DispiIndex::Enable, dispi::enabled);
    vga.vbe(DispiIndex::Bank, 3);
    vga.core->write_window(0x10, 0x77);
    CHECK(vga.vram()[3 * 0x10000 + 0x10] == 0x77);
    vga.vbe(DispiIndex::Bank, 0xFFFF); // wraps inside the 16 banks of 1 MiB
    CHECK(vga.vbe(DispiIndex::Bank) == 0xF);
    vga.core->write_window(0xFFFF, 0x66);
    CHECK(vga.vram()[0xFFFFF] == 0x66);

    // Planar access at the top bank would reach 4x past the bank: it is dropped, not out of bounds.
    vga.vbe(DispiIndex::Enable, 0);
    vga.gfx(Gfx::Misc, 0x05);
    vga.seq(Seq::MemoryMode, 0x06);
    vga.gfx(Gfx::Mode, 0x00);
    vga.vbe(DispiIndex::Bank, 0xF);
    vga.core->write_window(0xFFFF, 0x12);
    CHECK(vga.core->read_window(0xFFFF) == 0xFF);
}
