// The screen the qxl-linux-profile guest draws through the QXL card, and the screenshot test
// expects: a 1024x768 primary (the Linux driver's second one, after a 64x64 first) that first gets
// the whole shadow framebuffer (the "console background") in one DRAW_COPY, then line after line
// of damage: each line's bounding box is copied from the shadow with a clip list of its dirty
// rectangles. Between the rectangles, inside the bounding box, the guest scribbles `hidden_colour`
// into the shadow; the clip list must keep it off the screen.
// Compiled freestanding (the guest) and hosted (the test): constexpr code over <stdint.h> only.
#pragma once

#include <stdint.h>

namespace spicebox::patterns::qxl_linux {

constexpr unsigned width = 1024;
constexpr unsigned height = 768;
// Linux's first primary, before the monitors config gives its size (qxl-vga.md §5.2).
constexpr unsigned first_width = 64;
constexpr unsigned first_height = 64;

constexpr unsigned lines = 40;
constexpr unsigned line_height = 16;
constexpr unsigned first_line_top = 48;
constexpr unsigned rects_per_line = 3;

constexpr uint32_t hidden_colour = 0xFF00FF;

constexpr uint32_t rgb(unsigned red, unsigned green, unsigned blue)
{
    return uint32_t(red & 0xFF) << 16 | uint32_t(green & 0xFF) << 8 | (blue & 0xFF);
}

struct Rect {
    int32_t left;
    int32_t top;
    int32_t right;
    int32_t bottom;
};

// Dirty rectangle `index` of line `line`: spread over the line, of varying width.
constexpr Rect dirty_rect(unsigned line, unsigned index)
{
    int32_t top = int32_t(first_line_top + line * line_height);
    int32_t left = int32_t(16 + index * 320 + (line * 37 + index * 11) % 64);
    int32_t span = int32_t(96 + (line * 53 + index * 29) % 180);
    return Rect { left, top, left + span, top + int32_t(line_height) - 2 };
}

// The bounding box of a line's dirty rectangles.
constexpr Rect line_bounds(unsigned line)
{
    Rect first = dirty_rect(line, 0);
    Rect last = dirty_rect(line, rects_per_line - 1);
    return Rect { first.left, first.top, last.right, first.bottom };
}

constexpr bool inside(const Rect& rect, unsigned x, unsigned y)
{
    return int32_t(x) >= rect.left && int32_t(x) < rect.right && int32_t(y) >= rect.top && int32_t(y) < rect.bottom;
}

// The background: two gradients with a 32-pixel grid.
constexpr uint32_t background_pixel(unsigned x, unsigned y)
{
    if (x % 32 == 0 || y % 32 == 0)
        return rgb(48, 48, 64);
    return rgb(x / 8, y / 6, 96);
}

// What the damage brings: light "text" stripes on dark blue, different on every line.
constexpr uint32_t text_pixel(unsigned x, unsigned y)
{
    unsigned row = y % line_height;
    bool ink = row >= 3 && row <= 11 && ((x / 2 + y / line_height * 3 + row) % 7) < 3;
    return ink ? rgb(224, 224, 160 + (y / line_height) * 2) : rgb(0, 0, 48);
}

constexpr bool dirty(unsigned x, unsigned y)
{
    if (y < first_line_top || y >= first_line_top + lines * line_height)
        return false;
    unsigned line = (y - first_line_top) / line_height;
    for (unsigned index = 0; index < rects_per_line; ++index) {
        if (inside(dirty_rect(line, index), x, y))
            return true;
    }
    return false;
}

constexpr uint32_t screen_pixel(unsigned x, unsigned y) { return dirty(x, y) ? text_pixel(x, y) : background_pixel(x, y); }

// The ALPHA cursor set through the cursor ring (64x64, as Linux sends), and where it ends up.
constexpr unsigned cursor_size = 64;
constexpr int16_t cursor_final_x = 600;
constexpr int16_t cursor_final_y = 400;
constexpr uint32_t cursor_pixel(unsigned x, unsigned y)
{
    bool arrow = y < 40 && x <= y / 2;
    return arrow ? 0xFFFFFFFF : 0x00000000;
}

} // namespace spicebox::patterns::qxl_linux
