// What the qxl-xorg-profile guest draws, as a list of operations both the guest (through QXL
// commands) and the screenshot test (with its own renderer) apply in order to a 1024x768 primary
// and a 256x128 off-screen surface: solid fills, copies of a bitmap, copies from the off-screen
// surface, and copy_bits moves, one of which overlaps its own source.
// Compiled freestanding (the guest) and hosted (the test): constexpr code over <stdint.h> only.
#pragma once

#include <stdint.h>

namespace spicebox::patterns::qxl_xorg {

constexpr unsigned width = 1024;
constexpr unsigned height = 768;

constexpr uint32_t primary_id = 0;
constexpr uint32_t offscreen_id = 1;
constexpr unsigned offscreen_width = 256;
constexpr unsigned offscreen_height = 128;

constexpr unsigned image_width = 200;
constexpr unsigned image_height = 150;
// Xorg splits bitmaps into chunks of whole rows; small chunks make several.
constexpr unsigned image_chunk_bytes = 16384;

constexpr uint32_t rgb(unsigned red, unsigned green, unsigned blue)
{
    return uint32_t(red & 0xFF) << 16 | uint32_t(green & 0xFF) << 8 | (blue & 0xFF);
}

constexpr uint32_t image_pixel(unsigned x, unsigned y)
{
    if ((x / 25 + y / 25) % 2 == 0)
        return rgb(x + 40, y + 60, 200 - x / 2);
    return rgb(255 - x, 128, y);
}

enum class Kind : uint8_t {
    Fill,          // `colour` into `area` of `surface`
    Image,         // the bitmap's area at (source_x, source_y) to `area` of `surface`
    FromOffscreen, // the off-screen surface's area at (source_x, source_y) to `area` of the primary
    CopyBits,      // `surface`'s own area at (source_x, source_y) to `area`
};

struct Rect {
    int32_t left;
    int32_t top;
    int32_t right;
    int32_t bottom;
};

struct Operation {
    Kind kind;
    uint32_t surface;
    Rect area;
    uint32_t colour;
    int32_t source_x;
    int32_t source_y;
};

inline constexpr Operation operations[] = {
    { Kind::Fill, primary_id, { 0, 0, 1024, 768 }, rgb(32, 48, 64), 0, 0 },
    { Kind::Fill, primary_id, { 40, 40, 440, 240 }, rgb(200, 200, 210), 0, 0 },
    { Kind::Fill, primary_id, { 40, 40, 440, 60 }, rgb(40, 80, 160), 0, 0 },
    { Kind::Fill, primary_id, { 60, 80, 420, 96 }, rgb(10, 10, 10), 0, 0 },
    { Kind::Fill, primary_id, { 60, 112, 300, 128 }, rgb(160, 20, 20), 0, 0 },
    { Kind::Image, primary_id, { 600, 80, 800, 230 }, 0, 0, 0 },
    { Kind::Image, primary_id, { 820, 80, 920, 155 }, 0, 50, 40 },
    { Kind::Fill, offscreen_id, { 0, 0, 256, 128 }, rgb(0, 120, 60), 0, 0 },
    { Kind::Fill, offscreen_id, { 8, 8, 248, 24 }, rgb(250, 250, 250), 0, 0 },
    { Kind::Image, offscreen_id, { 16, 40, 80, 104 }, 0, 120, 70 },
    { Kind::FromOffscreen, primary_id, { 40, 480, 296, 608 }, 0, 0, 0 },
    { Kind::FromOffscreen, primary_id, { 340, 500, 468, 564 }, 0, 64, 32 },
    // A scroll: the window moves up 16 pixels over itself.
    { Kind::CopyBits, primary_id, { 40, 24, 440, 224 }, 0, 40, 40 },
    // And a copy of the image down, not overlapping.
    { Kind::CopyBits, primary_id, { 600, 300, 800, 450 }, 0, 600, 80 },
    { Kind::Fill, primary_id, { 0, 740, 1024, 768 }, rgb(90, 90, 90), 0, 0 },
};

constexpr unsigned operation_count = sizeof operations / sizeof operations[0];

} // namespace spicebox::patterns::qxl_xorg
