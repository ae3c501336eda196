// A screen image as the display model passes it around: 32-bit pixels, 0x00RRGGBB in native (little-endian)
// order, which is pixman's PIXMAN_x8r8g8b8 and SPICE's 32-bit RGB. Rows are `width` pixels apart.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace spicebox {

// A rectangle in pixels, right and bottom exclusive (as SpiceRect).
struct Rect {
    int32_t left { 0 };
    int32_t top { 0 };
    int32_t right { 0 };
    int32_t bottom { 0 };

    int32_t width() const { return right - left; }
    int32_t height() const { return bottom - top; }
    bool empty() const { return right <= left || bottom <= top; }
    bool operator==(const Rect&) const = default;
};

struct Framebuffer {
    uint32_t width { 0 };
    uint32_t height { 0 };
    std::vector<uint32_t> pixels;

    void resize(uint32_t new_width, uint32_t new_height)
    {
        width = new_width;
        height = new_height;
        pixels.assign(size_t(new_width) * new_height, 0);
    }
    uint32_t* row(uint32_t y) { return pixels.data() + size_t(y) * width; }
    const uint32_t* row(uint32_t y) const { return pixels.data() + size_t(y) * width; }
    uint32_t at(uint32_t x, uint32_t y) const { return pixels[size_t(y) * width + x]; }
};

} // namespace spicebox
