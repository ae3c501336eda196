// The screen the vbe guest draws and the screenshot test expects: 1024x768 at 32 bpp through the
// Bochs DISPI interface, shown from a larger virtual screen panned with the X and Y offsets.
// Compiled freestanding (the guest) and hosted (the test): constexpr code over <stdint.h> only.
#pragma once

#include <stdint.h>

namespace spicebox::patterns::vbe {

constexpr unsigned width = 1024;
constexpr unsigned height = 768;
constexpr unsigned bits_per_pixel = 32;

// The guest draws this much of a virtual screen VIRT_WIDTH pixels wide and pans to the visible part.
constexpr unsigned virtual_width = 1152;
constexpr unsigned x_offset = 64;
constexpr unsigned y_offset = 40;
constexpr unsigned drawn_height = y_offset + height + 24;

// What the guest puts on the virtual screen outside the visible window: it must never show.
constexpr uint32_t offscreen_colour = 0x3F7F3F;

constexpr uint32_t rgb(unsigned red, unsigned green, unsigned blue)
{
    return uint32_t(red & 0xFF) << 16 | uint32_t(green & 0xFF) << 8 | (blue & 0xFF);
}

inline constexpr uint32_t bar_colours[8] = { rgb(255, 255, 255), rgb(255, 255, 0), rgb(0, 255, 255), rgb(0, 255, 0),
    rgb(255, 0, 255), rgb(255, 0, 0), rgb(0, 0, 255), rgb(0, 0, 0) };

// Bands from the top: eight colour bars; red, green, blue and grey horizontal gradients; a 1-pixel
// and an 8-pixel checkerboard beside a grid of 1-pixel lines with two diagonals; a two-way gradient.
// A white then a red 1-pixel frame mark the screen's edges.
constexpr uint32_t visible_pixel(unsigned x, unsigned y)
{
    if (x == 0 || y == 0 || x == width - 1 || y == height - 1)
        return rgb(255, 255, 255);
    if (x == 1 || y == 1 || x == width - 2 || y == height - 2)
        return rgb(255, 0, 0);
    if (y < 96)
        return bar_colours[x / 128];
    if (y < 352) {
        unsigned level = x / 4;
        switch ((y - 96) / 64) {
        case 0:
            return rgb(level, 0, 0);
        case 1:
            return rgb(0, level, 0);
        case 2:
            return rgb(0, 0, level);
        default:
            return rgb(level, level, level);
        }
    }
    if (y < 608) {
        if (x < 256)
            return ((x ^ y) & 1) ? rgb(255, 255, 255) : rgb(0, 0, 0);
        if (x < 512)
            return (((x / 8) ^ (y / 8)) & 1) ? rgb(255, 255, 255) : rgb(0, 0, 0);
        unsigned across = x - 512;
        unsigned down = y - 352;
        if (across == down)
            return rgb(255, 255, 255);
        if (across == 255 - down)
            return rgb(255, 255, 0);
        if (across % 32 == 0)
            return rgb(255, 0, 0);
        if (down % 32 == 0)
            return rgb(0, 255, 0);
        return rgb(0, 0, 64);
    }
    return rgb(x / 4, (y - 608) * 255 / (height - 1 - 608), 255 - x / 4);
}

// The virtual screen the guest fills: the visible pattern in its window, offscreen_colour around it.
constexpr uint32_t virtual_pixel(unsigned x, unsigned y)
{
    if (x < x_offset || x >= x_offset + width || y < y_offset || y >= y_offset + height)
        return offscreen_colour;
    return visible_pixel(x - x_offset, y - y_offset);
}

} // namespace spicebox::patterns::vbe
