#include "vga_fixture.h"

#include <cstring>

using namespace spicebox;
using namespace spicebox::vga;
using spicebox::vga_test::VgaFixture;

namespace {

// Distinct colours for the 16 first DAC entries (6-bit values), and what the renderer makes of them.
uint8_t dac_red(unsigned i) { return uint8_t(i * 4); }
uint8_t dac_green(unsigned i) { return uint8_t(63 - i * 3); }
uint8_t dac_blue(unsigned i) { return uint8_t(i); }
uint32_t expand6(uint8_t v) { return uint32_t(v << 2 | v >> 4); }
uint32_t color(unsigned i) { return expand6(dac_red(i)) << 16 | expand6(dac_green(i)) << 8 | expand6(dac_blue(i)); }

// 80x25 text with 9x16 cells (mode 3's CRTC values), identity attribute palette, screen on.
void text_mode(VgaFixture& vga)
{
    vga.seq(Seq::ClockingMode, 0x00);
    vga.seq(Seq::CharacterMapSelect, 0x00);
    vga.seq(Seq::MemoryMode, 0x02);
    vga.gfx(Gfx::Mode, gfx::host_odd_even);
    vga.gfx(Gfx::Misc, 0x0E);
    vga.crtc(Crtc::HorizontalDisplayEnd, 0x4F);
    vga.crtc(Crtc::Overflow, 0x1F);
    vga.crtc(Crtc::MaximumScanLine, 0x4F);
    vga.crtc(Crtc::CursorStart, 0x0D);
    vga.crtc(Crtc::CursorEnd, 0x0E);
    vga.crtc(Crtc::CursorLocationHigh, 0x07); // far away: off screen
    vga.crtc(Crtc::CursorLocationLow, 0xFF);
    vga.crtc(Crtc::VerticalDisplayEnd, 0x8F);
    vga.crtc(Crtc::Offset, 0x28);
    vga.crtc(Crtc::LineCompare, 0xFF);
    for (uint8_t i = 0; i < 16; ++i) {
        vga.attr(i, i);
        vga.dac(i, dac_red(i), dac_green(i), dac_blue(i));
    }
    vga.attr(uint8_t(Attr::ModeControl), attr::mode_line_graphics);
    vga.attr(uint8_t(Attr::ColorPlaneEnable), 0x0F);
    vga.enable_screen();
}

void put_cell(VgaFixture& vga, uint32_t cell, uint8_t character, uint8_t attribute)
{
    vga.vram()[4 * cell] = character;
    vga.vram()[4 * cell + 1] = attribute;
}

void put_glyph_row(VgaFixture& vga, uint32_t font_block, uint8_t character, uint32_t row, uint8_t bits)
{
    vga.vram()[font_block * 8192 * 4 + 128 * character + 4 * row + 2] = bits;
}

}

TEST_CASE("80x25 text renders 720x400 with glyphs from plane 2 in the attribute's colours")
{
    VgaFixture vga;
    text_mode(vga);
    put_cell(vga, 0, 'A', 0x1E);
    put_glyph_row(vga, 0, 'A', 0, 0x81);
    put_glyph_row(vga, 0, 'A', 15, 0xFF);

    Framebuffer screen;
    vga.core->render(screen);
    REQUIRE(screen.width == 720);
    REQUIRE(screen.height == 400);
    CHECK(screen.at(0, 0) == color(0xE));
    for (uint32_t x = 1; x < 7; ++x)
        CHECK(screen.at(x, 0) == color(0x1));
    CHECK(screen.at(7, 0) == color(0xE));
    CHECK(screen.at(8, 0) == color(0x1)); // the 9th column of a letter is background
    CHECK(screen.at(3, 1) == color(0x1));
    CHECK(screen.at(7, 15) == color(0xE));
    CHECK(screen.at(8, 15) == color(0x1));
    // The next cell: character 0, glyph all zero, attribute 0: colour 0.
    CHECK(screen.at(9, 0) == color(0));
    auto text = vga.core->text_screen();
    REQUIRE(text);
    REQUIRE(text->size() == 25);
    CHECK((*text)[0].size() == 80);
    CHECK((*text)[0][0] == 'A');
}

TEST_CASE("line-graphics characters repeat their 8th column in the 9th when AR10 bit 2 asks")
{
    VgaFixture vga;
    text_mode(vga);
    put_cell(vga, 0, 0xC4, 0x07);
    put_cell(vga, 1, 0xB0, 0x07); // outside 0xC0-0xDF: background
    put_glyph_row(vga, 0, 0xC4, 0, 0x01);
    put_glyph_row(vga, 0, 0xB0, 0, 0x01);

    Framebuffer screen;
    vga.core->render(screen);
    CHECK(screen.at(7, 0) == color(7));
    CHECK(screen.at(8, 0) == color(7));
    CHECK(screen.at(9 + 7, 0) == color(7));
    CHECK(screen.at(9 + 8, 0) == color(0));

    vga.attr(uint8_t(Attr::ModeControl), 0x00);
    vga.enable_screen();
    vga.core->render(screen);
    CHECK(screen.at(8, 0) == color(0));
}

TEST_CASE("AR10 bit 3 makes attribute bit 7 blink (drawn visible) instead of brightening the background")
{
    VgaFixture vga;
    text_mode(vga);
    put_cell(vga, 0, ' ', 0x9F);
    Framebuffer screen;
    vga.core->render(screen);
    CHECK(screen.at(0, 0) == color(0x9));

    vga.attr(uint8_t(Attr::ModeControl), attr::mode_blink);
    vga.enable_screen();
    vga.core->render(screen);
    CHECK(screen.at(0, 0) == color(0x1));
}

TEST_CASE("the cursor is drawn over its lines in the cell's foreground colour, unless CR0A bit 5 hides it")
{
    VgaFixture vga;
    text_mode(vga);
    put_cell(vga, 81, ' ', 0x2C); // row 1, column 1
    vga.crtc(Crtc::CursorLocationHigh, 0);
    vga.crtc(Crtc::CursorLocationLow, 81);
    Framebuffer screen;
    vga.core->render(screen);
    uint32_t x0 = 9, y0 = 16;
    CHECK(screen.at(x0, y0 + 12) == color(0x2));
    CHECK(screen.at(x0, y0 + 13) == color(0xC));
    CHECK(screen.at(x0 + 8, y0 + 14) == color(0xC));
    CHECK(screen.at(x0, y0 + 15) == color(0x2));

    vga.crtc(Crtc::CursorStart, 0x0D | crtc::cursor_disable);
    vga.core->render(screen);
    CHECK(screen.at(x0, y0 + 13) == color(0x2));
}

TEST_CASE("SR3 picks the font block for each value of attribute bit 3")
{
    VgaFixture vga;
    text_mode(vga);
    // Attribute bit 3 clear: block (SR3 bit 4, bits 0-1) = 0b010 = 2; set: block (bit 5, bits 2-3) = 0b001 = 1.
    vga.seq(Seq::CharacterMapSelect, 0x21);
    put_cell(vga, 0, 'x', 0x07);
    put_cell(vga, 1, 'x', 0x0F);
    put_glyph_row(vga, 2, 'x', 0, 0x80);
    put_glyph_row(vga, 1, 'x', 0, 0x40);
    Framebuffer screen;
    vga.core->render(screen);
    CHECK(screen.at(0, 0) == color(0x7));
    CHECK(screen.at(1, 0) == color(0x0));
    CHECK(screen.at(9, 0) == color(0x0));
    CHECK(screen.at(10, 0) == color(0xF));
}

TEST_CASE("8-dot cells and the half-rate dot clock change the text screen width")
{
    VgaFixture vga;
    text_mode(vga);
    vga.seq(Seq::ClockingMode, seq::clock_8_dots);
    Framebuffer screen;
    vga.core->render(screen);
    CHECK(screen.width == 640);
    vga.seq(Seq::ClockingMode, seq::clock_half_rate);
    vga.crtc(Crtc::HorizontalDisplayEnd, 39);
    vga.core->render(screen);
    CHECK(screen.width == 720); // 40 columns of doubled 9-dot cells
}

TEST_CASE("a screen whose attribute PAS bit is clear is black at the mode's size")
{
    VgaFixture vga;
    text_mode(vga);
    put_cell(vga, 0, ' ', 0x70);
    vga.core->read_port(uint16_t(Port::InputStatus1Color));
    vga.core->write_port(uint16_t(Port::AttributeWrite), 0x00);
    Framebuffer screen;
    vga.core->render(screen);
    CHECK(screen.width == 720);
    CHECK(screen.height == 400);
    CHECK(screen.at(0, 0) == 0);
    CHECK(vga.core->text_screen().has_value()); // the text is still there
}

TEST_CASE("mode 13h: chain-4 256 colours, each pixel doubled and each line scanned twice")
{
    VgaFixture vga;
    vga.seq(Seq::ClockingMode, seq::clock_8_dots);
    vga.seq(Seq::MapMask, 0x0F);
    vga.seq(Seq::MemoryMode, 0x0E);
    vga.gfx(Gfx::Mode, 0x40);
    vga.gfx(Gfx::Misc, 0x05);
    vga.crtc(Crtc::HorizontalDisplayEnd, 0x4F);
    vga.crtc(Crtc::Overflow, 0x1F);
    vga.crtc(Crtc::MaximumScanLine, 0x41);
    vga.crtc(Crtc::VerticalDisplayEnd, 0x8F);
    vga.crtc(Crtc::Offset, 0x28);
    vga.crtc(Crtc::ModeControl, 0xA3);
    vga.crtc(Crtc::LineCompare, 0xFF);
    vga.dac(200, 63, 0, 0);
    vga.dac(201, 0, 63, 0);
    vga.enable_screen();
    vga.core->write_window(0, 200);
    vga.core->write_window(1, 201);
    vga.core->write_window(320 + 319, 201);

    Framebuffer screen;
    vga.core->render(screen);
    REQUIRE(screen.width == 640);
    REQUIRE(screen.height == 400);
    CHECK(screen.at(0, 0) == 0xFF0000);
    CHECK(screen.at(1, 1) == 0xFF0000);
    CHECK(screen.at(2, 0) == 0x00FF00);
    CHECK(screen.at(0, 2) == 0);
    CHECK(screen.at(639, 2) == 0x00FF00);
    CHECK(screen.at(638, 3) == 0x00FF00);
    CHECK_FALSE(vga.core->text_screen().has_value());
}

TEST_CASE("planar 16-colour graphics: one bit per plane per pixel through the attribute palette")
{
    VgaFixture vga;
    vga.seq(Seq::ClockingMode, seq::clock_8_dots);
    vga.seq(Seq::MapMask, 0x0F);
    vga.seq(Seq::MemoryMode, 0x06);
    vga.gfx(Gfx::Mode, 0x00);
    vga.gfx(Gfx::Misc, 0x05);
    vga.crtc(Crtc::HorizontalDisplayEnd, 0x4F);
    vga.crtc(Crtc::Overflow, 0x3E);
    vga.crtc(Crtc::MaximumScanLine, 0x40);
    vga.crtc(Crtc::VerticalDisplayEnd, 0xDF);
    vga.crtc(Crtc::Offset, 0x28);
    vga.crtc(Crtc::ModeControl, 0xE3);
    vga.crtc(Crtc::LineCompare, 0xFF);
    for (uint8_t i = 0; i < 16; ++i) {
        vga.attr(i, uint8_t(15 - i)); // a reversed palette, to see it applied
        vga.dac(uint8_t(15 - i), dac_red(i), dac_green(i), dac_blue(i));
    }
    vga.attr(uint8_t(Attr::ModeControl), 0x01);
    vga.attr(uint8_t(Attr::ColorPlaneEnable), 0x0F);
    vga.enable_screen();
    // Pixel 0 colour 5 (planes 0, 2), pixel 7 colour 8 (plane 3), on line 1.
    vga.vram()[4 * 80 + 0] = 0x80;
    vga.vram()[4 * 80 + 2] = 0x80;
    vga.vram()[4 * 80 + 3] = 0x01;

    Framebuffer screen;
    vga.core->render(screen);
    REQUIRE(screen.width == 640);
    REQUIRE(screen.height == 480);
    CHECK(screen.at(0, 1) == color(5));
    CHECK(screen.at(7, 1) == color(8));
    CHECK(screen.at(1, 1) == color(0));
    CHECK(screen.at(0, 0) == color(0));
}

TEST_CASE("VBE 32 bpp renders xres x yres from the virtual offsets")
{
    VgaFixture vga(4 * 1024 * 1024);
    vga.vbe(DispiIndex::XRes, 64);
    vga.vbe(DispiIndex::YRes, 32);
    vga.vbe(DispiIndex::Bpp, 32);
    vga.vbe(DispiIndex::Enable, dispi::enabled | dispi::lfb_enabled);
    vga.vbe(DispiIndex::VirtWidth, 128);
    vga.vbe(DispiIndex::XOffset, 16);
    vga.vbe(DispiIndex::YOffset, 8);
    vga.enable_screen();
    auto put = [&](uint32_t x, uint32_t y, uint32_t pixel) {
        std::memcpy(&vga.vram()[(y * 128 + x) * 4], &pixel, 4);
    };
    put(16, 8, 0xFF123456); // the top-left visible pixel; the top byte is ignored
    put(16 + 63, 8 + 31, 0x00ABCDEF);
    put(15, 8, 0x00FFFFFF); // just left of the screen

    Framebuffer screen;
    vga.core->render(screen);
    REQUIRE(screen.width == 64);
    REQUIRE(screen.height == 32);
    CHECK(screen.at(0, 0) == 0x123456);
    CHECK(screen.at(63, 31) == 0xABCDEF);
    CHECK(screen.at(1, 0) == 0);
    CHECK(screen.at(63, 0) == 0);
}

TEST_CASE("VBE 16 and 15 bpp expand their channels to 8 bits")
{
    VgaFixture vga(4 * 1024 * 1024);
    vga.vbe(DispiIndex::XRes, 16);
    vga.vbe(DispiIndex::YRes, 4);
    vga.vbe(DispiIndex::Bpp, 16);
    vga.vbe(DispiIndex::Enable, dispi::enabled | dispi::lfb_enabled);
    vga.vbe(DispiIndex::YOffset, 2);
    vga.enable_screen();
    uint8_t* line = &vga.vram()[2 * 16 * 2];
    line[0] = 0x00; // RGB565 0xF800: pure red
    line[1] = 0xF8;
    line[2] = 0xE0; // 0x07E0: pure green
    line[3] = 0x07;
    line[4] = 0x10; // 0x0410: green 0x20, blue 0x10
    line[5] = 0x04;

    Framebuffer screen;
    vga.core->render(screen);
    CHECK(screen.at(0, 0) == 0xFF0000);
    CHECK(screen.at(1, 0) == 0x00FF00);
    CHECK(screen.at(2, 0) == (uint32_t(0x20 << 2 | 0x20 >> 4) << 8 | (0x10 << 3 | 0x10 >> 2)));

    vga.vbe(DispiIndex::Bpp, 15);
    line = &vga.vram()[2 * 16 * 2];
    line[0] = 0x00; // RGB555 0x7C00: pure red
    line[1] = 0x7C;
    vga.core->render(screen);
    CHECK(screen.at(0, 0) == 0xFF0000);
}

TEST_CASE("VBE 8 bpp goes through the DAC, 8 bits wide with VBE_DISPI_8BIT_DAC")
{
    VgaFixture vga(4 * 1024 * 1024);
    vga.vbe(DispiIndex::XRes, 8);
    vga.vbe(DispiIndex::YRes, 1);
    vga.vbe(DispiIndex::Bpp, 8);
    vga.vbe(DispiIndex::Enable, dispi::enabled | dispi::dac_8bit | dispi::no_clear_mem);
    vga.enable_screen();
    vga.dac(3, 0x80, 0x40, 0xFF);
    vga.vram()[0] = 3;
    Framebuffer screen;
    vga.core->render(screen);
    CHECK(screen.at(0, 0) == 0x8040FF);
}
