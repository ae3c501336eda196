// Sets up 80x25 colour text mode on the VGA registers with no BIOS, loads the synthetic font of
// patterns/vga_text_pattern.h into plane 2, fills the screen with the pattern's cells through 0xB8000
// and places the cursor. The screenshot test renders the same pattern and compares pixel by pixel.
// Every register access is an exit to the VMM: about 6,300 in all, most of them the font.
#include "patterns/vga_text_pattern.h"
#include "runtime/runtime.h"

namespace spicebox::guest {

namespace {

namespace pattern = patterns::vga_text;

namespace vga_port {
constexpr uint16_t attribute = 0x3C0;
constexpr uint16_t misc_output_write = 0x3C2;
constexpr uint16_t sequencer_index = 0x3C4;
constexpr uint16_t sequencer_data = 0x3C5;
constexpr uint16_t dac_pel_mask = 0x3C6;
constexpr uint16_t dac_write_index = 0x3C8;
constexpr uint16_t dac_data = 0x3C9;
constexpr uint16_t graphics_index = 0x3CE;
constexpr uint16_t graphics_data = 0x3CF;
constexpr uint16_t crtc_index = 0x3D4;
constexpr uint16_t crtc_data = 0x3D5;
// Reading it resets the attribute controller's index/data flip-flop.
constexpr uint16_t input_status_1 = 0x3DA;
}

// MISC: colour (CRTC at 0x3Dx), RAM enabled, the 28 MHz clock of 720-dot lines, page select,
// negative sync polarities for 400 lines.
constexpr uint8_t misc_output = 0x67;

enum class Seq : uint8_t { Reset = 0, ClockingMode = 1, MapMask = 2, CharacterMap = 3, MemoryMode = 4 };
namespace seq {
constexpr uint8_t synchronous_reset = 0x01;
constexpr uint8_t running = 0x03;
// SR1 bit 0 clear: 9-dot characters.
constexpr uint8_t clocking_9_dot = 0x00;
constexpr uint8_t planes_0_1 = 0x03;
constexpr uint8_t plane_2 = 0x04;
// SR3: font block 0 for both attribute bit 3 values.
constexpr uint8_t character_map_block_0 = 0x00;
// SR4: extended memory with odd/even host addressing (text), or with it disabled (font loading).
constexpr uint8_t memory_odd_even = 0x02;
constexpr uint8_t memory_sequential = 0x06;
}

enum class Gfx : uint8_t {
    SetReset = 0,
    EnableSetReset = 1,
    ColorCompare = 2,
    DataRotate = 3,
    ReadMapSelect = 4,
    Mode = 5,
    Misc = 6,
    ColorDontCare = 7,
    BitMask = 8,
};
namespace gfx {
constexpr uint8_t mode_odd_even = 0x10;
constexpr uint8_t mode_write_0 = 0x00;
// GR6: text, chained odd/even, memory at 0xB8000 (32 KiB); or text, unchained, 0xA0000 (64 KiB).
constexpr uint8_t misc_text_b8000 = 0x0E;
constexpr uint8_t misc_font_a0000 = 0x04;
constexpr uint8_t read_plane_0 = 0x00;
constexpr uint8_t read_plane_2 = 0x02;
constexpr uint8_t all_planes = 0x0F;
constexpr uint8_t all_bits = 0xFF;
}

enum class Crtc : uint8_t {
    CursorStart = 0x0A,
    CursorEnd = 0x0B,
    StartAddressHigh = 0x0C,
    StartAddressLow = 0x0D,
    CursorLocationHigh = 0x0E,
    CursorLocationLow = 0x0F,
    VerticalRetraceEnd = 0x11,
};
namespace crtc {
constexpr uint8_t protect_cr0_cr7 = 0x80;
constexpr unsigned count = 0x19;
// The standard 80x25 timings: 80 columns (CR1 = 79), 400 visible lines (CR12 = 0x8F plus CR7's
// overflow bit 8), 16-line cells (CR9 = 0x4F), 80 words a row (CR13 = 40), byte addressing (CR17),
// line compare beyond the screen (CR18 = 0xFF plus overflow bits). CR0A-CR0F are set from the
// pattern below; CR11 bit 7 locks CR0-CR7 again at the end.
constexpr uint8_t mode_3[count] = {
    0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x9C, 0x8E, 0x8F, 0x28, 0x1F, 0x96, 0xB9, 0xA3, 0xFF,
};
}

namespace attr {
constexpr unsigned palette_count = 16;
constexpr uint8_t mode_control = 0x10;
constexpr uint8_t overscan = 0x11;
constexpr uint8_t plane_enable = 0x12;
constexpr uint8_t horizontal_pel_panning = 0x13;
constexpr uint8_t color_select = 0x14;
// AR10: text, colour, line graphics on, blink off (attribute bit 7 selects the bright backgrounds).
constexpr uint8_t mode_text_line_graphics = 0x04;
// Panning 8 is no shift in 9-dot text.
constexpr uint8_t pel_panning_9_dot = 0x08;
// Index bit 5 (palette address source): set, the screen shows; clear, it is blanked.
constexpr uint8_t palette_address_source = 0x20;
}

constexpr uint8_t pel_mask_all = 0xFF;

constexpr uintptr_t font_window = 0xA0000;
constexpr uintptr_t text_window = 0xB8000;
// Glyph slots in plane 2 are 32 bytes apart, whatever the cell height.
constexpr unsigned glyph_slot_bytes = 32;

void write_sequencer(Seq index, uint8_t value)
{
    outb(vga_port::sequencer_index, uint8_t(index));
    outb(vga_port::sequencer_data, value);
}

void write_graphics(Gfx index, uint8_t value)
{
    outb(vga_port::graphics_index, uint8_t(index));
    outb(vga_port::graphics_data, value);
}

void write_crtc(uint8_t index, uint8_t value)
{
    outb(vga_port::crtc_index, index);
    outb(vga_port::crtc_data, value);
}

void write_crtc(Crtc index, uint8_t value) { write_crtc(uint8_t(index), value); }

// Call with the flip-flop at "index" (after reading input status 1).
void write_attribute(uint8_t index, uint8_t value)
{
    outb(vga_port::attribute, index);
    outb(vga_port::attribute, value);
}

void program_text_mode()
{
    outb(vga_port::misc_output_write, misc_output);

    write_sequencer(Seq::Reset, seq::synchronous_reset);
    write_sequencer(Seq::ClockingMode, seq::clocking_9_dot);
    write_sequencer(Seq::MapMask, seq::planes_0_1);
    write_sequencer(Seq::CharacterMap, seq::character_map_block_0);
    write_sequencer(Seq::MemoryMode, seq::memory_odd_even);
    write_sequencer(Seq::Reset, seq::running);

    uint8_t unlock = crtc::mode_3[uint8_t(Crtc::VerticalRetraceEnd)] & uint8_t(~crtc::protect_cr0_cr7);
    write_crtc(Crtc::VerticalRetraceEnd, unlock);
    for (unsigned index = 0; index < crtc::count; ++index)
        write_crtc(uint8_t(index), crtc::mode_3[index]);
    unsigned cursor = pattern::cursor_row * pattern::columns + pattern::cursor_column;
    write_crtc(Crtc::CursorStart, pattern::cursor_start_line);
    write_crtc(Crtc::CursorEnd, pattern::cursor_end_line);
    write_crtc(Crtc::StartAddressHigh, 0);
    write_crtc(Crtc::StartAddressLow, 0);
    write_crtc(Crtc::CursorLocationHigh, uint8_t(cursor >> 8));
    write_crtc(Crtc::CursorLocationLow, uint8_t(cursor));

    write_graphics(Gfx::SetReset, 0);
    write_graphics(Gfx::EnableSetReset, 0);
    write_graphics(Gfx::ColorCompare, 0);
    write_graphics(Gfx::DataRotate, 0);
    write_graphics(Gfx::ReadMapSelect, gfx::read_plane_0);
    write_graphics(Gfx::Mode, gfx::mode_odd_even);
    write_graphics(Gfx::Misc, gfx::misc_text_b8000);
    write_graphics(Gfx::ColorDontCare, gfx::all_planes);
    write_graphics(Gfx::BitMask, gfx::all_bits);

    inb(vga_port::input_status_1);
    for (unsigned colour = 0; colour < attr::palette_count; ++colour)
        write_attribute(uint8_t(colour), pattern::attribute_palette[colour]);
    write_attribute(attr::mode_control, attr::mode_text_line_graphics);
    write_attribute(attr::overscan, 0);
    write_attribute(attr::plane_enable, gfx::all_planes);
    write_attribute(attr::horizontal_pel_panning, attr::pel_panning_9_dot);
    write_attribute(attr::color_select, 0);
    outb(vga_port::attribute, attr::palette_address_source);

    outb(vga_port::dac_pel_mask, pel_mask_all);
    for (unsigned colour = 0; colour < attr::palette_count; ++colour) {
        outb(vga_port::dac_write_index, pattern::attribute_palette[colour]);
        outb(vga_port::dac_data, pattern::colour_rgb[colour].red);
        outb(vga_port::dac_data, pattern::colour_rgb[colour].green);
        outb(vga_port::dac_data, pattern::colour_rgb[colour].blue);
    }
}

// Plane 2 alone, addressed linearly at 0xA0000, takes the font; then back to odd/even text.
void load_font()
{
    write_sequencer(Seq::Reset, seq::synchronous_reset);
    write_sequencer(Seq::MapMask, seq::plane_2);
    write_sequencer(Seq::MemoryMode, seq::memory_sequential);
    write_sequencer(Seq::Reset, seq::running);
    write_graphics(Gfx::ReadMapSelect, gfx::read_plane_2);
    write_graphics(Gfx::Mode, gfx::mode_write_0);
    write_graphics(Gfx::Misc, gfx::misc_font_a0000);

    auto* font = reinterpret_cast<volatile uint8_t*>(font_window);
    for (unsigned character = 0; character < pattern::glyph_count; ++character) {
        for (unsigned row = 0; row < pattern::cell_height; ++row)
            font[character * glyph_slot_bytes + row] = pattern::glyph_row(uint8_t(character), row);
    }

    write_sequencer(Seq::Reset, seq::synchronous_reset);
    write_sequencer(Seq::MapMask, seq::planes_0_1);
    write_sequencer(Seq::MemoryMode, seq::memory_odd_even);
    write_sequencer(Seq::Reset, seq::running);
    write_graphics(Gfx::ReadMapSelect, gfx::read_plane_0);
    write_graphics(Gfx::Mode, gfx::mode_odd_even);
    write_graphics(Gfx::Misc, gfx::misc_text_b8000);
}

// One 16-bit write a cell: the character goes to plane 0, the attribute to plane 1.
void write_cells()
{
    auto* text = reinterpret_cast<volatile uint16_t*>(text_window);
    for (unsigned row = 0; row < pattern::rows; ++row) {
        for (unsigned column = 0; column < pattern::columns; ++column) {
            auto cell = pattern::cell(row, column);
            text[row * pattern::columns + column] = uint16_t(cell.attribute << 8 | cell.character);
        }
    }
}

}

int guest_main(const BootInfo&)
{
    program_text_mode();
    load_font();
    write_cells();
    print("vga-text: ready\n");
    return int(ExitStatus::Passed);
}

}
