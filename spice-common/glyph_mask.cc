#include "spice-common/glyph_mask.h"

#include <spice/enums.h>

#include <algorithm>

namespace spicebox {

namespace {

uint32_t glyph_depth(uint16_t string_flags)
{
    if (string_flags & SPICE_STRING_FLAGS_RASTER_A1)
        return 1;
    if (string_flags & SPICE_STRING_FLAGS_RASTER_A4)
        return 4;
    if (string_flags & SPICE_STRING_FLAGS_RASTER_A8)
        return 8;
    return 0;
}

// The glyph's box on the destination, clamped so that far-away glyphs cannot overflow.
Rect glyph_box(const Glyph& glyph)
{
    auto clamp = [](int64_t value) { return int32_t(std::clamp<int64_t>(value, INT32_MIN, INT32_MAX)); };
    int64_t left = int64_t(glyph.render_position.x) + glyph.origin.x;
    int64_t top = int64_t(glyph.render_position.y) + glyph.origin.y;
    return Rect { clamp(left), clamp(top), clamp(left + glyph.width), clamp(top + glyph.height) };
}

Rect intersection(const Rect& a, const Rect& b)
{
    return Rect { std::max(a.left, b.left), std::max(a.top, b.top), std::min(a.right, b.right),
        std::min(a.bottom, b.bottom) };
}

uint8_t coverage(const uint8_t* row, uint32_t x, uint32_t depth)
{
    switch (depth) {
    case 1:
        return (row[x / 8] >> (7 - x % 8)) & 1 ? 0xFF : 0x00;
    case 4: {
        uint8_t nibble = x % 2 ? row[x / 2] & 0x0F : row[x / 2] >> 4;
        return uint8_t(nibble * 0x11);
    }
    default:
        return row[x];
    }
}

} // namespace

std::optional<GlyphMask> build_glyph_mask(const TextOp& text, const Rect& limit)
{
    uint32_t depth = glyph_depth(text.string_flags);
    if (depth == 0)
        return std::nullopt;
    bool top_down = text.string_flags & SPICE_STRING_FLAGS_RASTER_TOP_DOWN;

    Rect area { INT32_MAX, INT32_MAX, INT32_MIN, INT32_MIN };
    for (const Glyph& glyph : text.glyphs) {
        Rect box = intersection(glyph_box(glyph), limit);
        if (box.empty())
            continue;
        area = Rect { std::min(area.left, box.left), std::min(area.top, box.top), std::max(area.right, box.right),
            std::max(area.bottom, box.bottom) };
    }
    if (area.empty())
        return std::nullopt;

    PixmanImage image(pixman_image_create_bits(PIXMAN_a8, area.width(), area.height(), nullptr, 0));
    if (!image)
        return std::nullopt;
    auto* mask = reinterpret_cast<uint8_t*>(pixman_image_get_data(image.get()));
    ptrdiff_t mask_stride = pixman_image_get_stride(image.get());

    for (const Glyph& glyph : text.glyphs) {
        Rect full = glyph_box(glyph);
        Rect box = intersection(full, area);
        size_t row_bytes = (size_t(glyph.width) * depth + 7) / 8;
        if (box.empty() || glyph.data.size() < row_bytes * glyph.height)
            continue;
        for (int32_t y = box.top; y < box.bottom; ++y) {
            uint32_t glyph_y = uint32_t(y - full.top);
            uint32_t data_row = top_down ? glyph_y : glyph.height - 1 - glyph_y;
            const uint8_t* row = glyph.data.data() + data_row * row_bytes;
            uint8_t* out = mask + (y - area.top) * mask_stride;
            for (int32_t x = box.left; x < box.right; ++x) {
                uint8_t value = coverage(row, uint32_t(x - full.left), depth);
                uint8_t& cell = out[x - area.left];
                cell = std::max(cell, value);
            }
        }
    }
    return GlyphMask { std::move(image), area };
}

} // namespace spicebox
