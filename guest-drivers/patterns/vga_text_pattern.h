// The screen the vga-text guest draws and the screenshot test expects: 80x25 text in 9x16 cells
// (720x400) with a synthetic font, every foreground/background pair, the line-graphics 9th-column
// rule, a DAC entry that is not the standard palette's, and the cursor.
// Compiled freestanding (the guest) and hosted (the test): constexpr code over <stdint.h> only.
#pragma once

#include <stdint.h>

namespace spicebox::patterns::vga_text {

constexpr unsigned columns = 80;
constexpr unsigned rows = 25;
// The 9-dot character clock (SR1 bit 0 clear) with 16-line cells (CR9 maximum scan line 15).
constexpr unsigned cell_width = 9;
constexpr unsigned cell_height = 16;
constexpr unsigned width = columns * cell_width;
constexpr unsigned height = rows * cell_height;
constexpr unsigned glyph_count = 256;

// With AR10's line-graphics bit, the 9th column of characters 0xC0-0xDF repeats their 8th; every
// other character's 9th column is background (IBM's VGA; QEMU also repeats it for 0xB0-0xBF, which
// the glyphs' full-width underline tells apart).
constexpr uint8_t line_graphics_first = 0xC0;
constexpr uint8_t line_graphics_last = 0xDF;
constexpr bool is_line_graphics(uint8_t character)
{
    return character >= line_graphics_first && character <= line_graphics_last;
}

// Hex digits 3 dots wide and 5 lines tall, a line per 3 bits from the top, bit 2 the leftmost dot.
inline constexpr uint16_t hex_digit_dots[16] = {
    0b111'101'101'101'111, 0b010'110'010'010'111, 0b111'001'111'100'111, 0b111'001'111'001'111,
    0b101'101'111'001'001, 0b111'100'111'001'111, 0b111'100'111'101'111, 0b111'001'010'010'010,
    0b111'101'111'101'111, 0b111'101'111'001'111, 0b010'101'111'101'101, 0b110'101'110'101'110,
    0b011'100'100'100'011, 0b110'101'101'101'110, 0b111'100'111'100'111, 0b111'100'111'100'100,
};
constexpr unsigned digit_top_line = 3;
constexpr unsigned digit_lines = 5;
constexpr unsigned underline_line = 14;

constexpr uint8_t hex_digit_line(unsigned digit, unsigned line)
{
    return uint8_t((hex_digit_dots[digit & 15] >> (3 * (digit_lines - 1 - line))) & 7);
}

// Line `line` (0..15) of glyph `character`, bit 7 the leftmost dot. Not a real font: each glyph shows
// its own code as two hex digits in dots 0-2 and 4-6 (so every glyph differs), over a full-width
// underline. Line-graphics glyphs add a stroke down their 8th dot, which the 9th column repeats.
constexpr uint8_t glyph_row(uint8_t character, unsigned line)
{
    uint8_t bits = 0;
    if (line >= digit_top_line && line < digit_top_line + digit_lines) {
        unsigned digit_line = line - digit_top_line;
        bits = uint8_t(hex_digit_line(character >> 4, digit_line) << 5 | hex_digit_line(character, digit_line) << 1);
    } else if (line == underline_line) {
        bits = 0xFF;
    }
    if (is_line_graphics(character))
        bits |= 0x01;
    return bits;
}

// 6-bit DAC components, as the DAC stores them.
struct Rgb6 {
    uint8_t red;
    uint8_t green;
    uint8_t blue;
};

// The 16 text colours: the attribute controller's palette registers AR0-ARF (the standard mode 3
// values, AR6 = 0x14 included) and the DAC colour the guest loads at each of those DAC indexes. Colour
// 6 is not the standard brown (42, 21, 0) but an orange only this guest sets.
inline constexpr uint8_t attribute_palette[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07,
    0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F };

inline constexpr Rgb6 colour_rgb[16] = {
    { 0, 0, 0 }, { 0, 0, 42 }, { 0, 42, 0 }, { 0, 42, 42 },
    { 42, 0, 0 }, { 42, 0, 42 }, { 63, 40, 10 }, { 42, 42, 42 },
    { 21, 21, 21 }, { 21, 21, 63 }, { 21, 63, 21 }, { 21, 63, 63 },
    { 63, 21, 21 }, { 63, 21, 63 }, { 63, 63, 21 }, { 63, 63, 63 },
};

struct Cell {
    uint8_t character;
    // Background in bits 4-7 (all 16: AR10's blink bit is clear), foreground in bits 0-3.
    uint8_t attribute;
};

constexpr uint8_t attribute(unsigned foreground, unsigned background)
{
    return uint8_t((background & 15) << 4 | (foreground & 15));
}

constexpr unsigned colour_grid_rows = 16;
constexpr unsigned line_graphics_rows_end = 18;
constexpr uint8_t line_graphics_row_start = 0xA8;
constexpr uint8_t line_graphics_row_attributes[2] = { attribute(15, 1), attribute(0, 7) };
constexpr unsigned custom_colour = 6;

// Rows 0-15: every character (five times over) and every foreground/background pair (background =
// row, foreground = column mod 16). Rows 16-17: 0xA8-0xF7, across both ends of the line-graphics
// range, on two backgrounds. Rows 18-24: characters again over the custom colour.
constexpr Cell cell(unsigned row, unsigned column)
{
    uint8_t sequence = uint8_t(row * columns + column);
    if (row < colour_grid_rows)
        return { sequence, attribute(column, row) };
    if (row < line_graphics_rows_end)
        return { uint8_t(line_graphics_row_start + column), line_graphics_row_attributes[row - colour_grid_rows] };
    return { sequence, attribute(row + column, custom_colour) };
}

// The cursor: a cell and its first and last scan lines (CR0A, CR0B), drawn in the cell's foreground.
constexpr unsigned cursor_row = 20;
constexpr unsigned cursor_column = 33;
constexpr unsigned cursor_start_line = 13;
constexpr unsigned cursor_end_line = 15;

} // namespace spicebox::patterns::vga_text
