#include "spice-common/cursor_overlay.h"
#include "spice-common/overloaded.h"
#include "spice-common/pixman_handles.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace spicebox {

void CursorOverlay::apply(const CursorCommand& command)
{
    std::visit(Overloaded {
                   [this](const CursorSet& set) {
                       m_shape = set.shape;
                       m_position = set.position;
                       m_visible = set.visible;
                   },
                   [this](const CursorMove& move) {
                       m_position = move.position;
                       m_visible = true;
                   },
                   [this](const CursorHide&) { m_visible = false; },
                   [](const CursorTrail&) {},
                   [this](const CursorReset&) { *this = CursorOverlay {}; },
               },
        command);
}

void CursorOverlay::compose(Framebuffer& framebuffer) const
{
    if (!visible() || framebuffer.width == 0 || framebuffer.height == 0)
        return;
    const CursorShape& shape = *m_shape;
    if (shape.width == 0 || shape.height == 0)
        return;
    int32_t left = m_position.x - shape.hot_spot_x;
    int32_t top = m_position.y - shape.hot_spot_y;
    switch (shape.type) {
    case CursorType::Alpha:
        compose_alpha(framebuffer, shape, left, top);
        break;
    case CursorType::Mono:
        compose_mono(framebuffer, shape, left, top);
        break;
    case CursorType::Color4:
    case CursorType::Color8:
    case CursorType::Color16:
    case CursorType::Color24:
    case CursorType::Color32:
        break;
    }
}

void CursorOverlay::compose_alpha(Framebuffer& framebuffer, const CursorShape& shape, int32_t left, int32_t top) const
{
    size_t pixel_count = size_t(shape.width) * shape.height;
    if (shape.data.size() < pixel_count * 4)
        return;
    std::vector<uint32_t> pixels(pixel_count);
    std::memcpy(pixels.data(), shape.data.data(), pixel_count * 4);
    PixmanImage source(pixman_image_create_bits_no_clear(PIXMAN_a8r8g8b8, shape.width, shape.height, pixels.data(),
        shape.width * 4));
    PixmanImage destination(pixman_image_create_bits_no_clear(PIXMAN_x8r8g8b8, int(framebuffer.width),
        int(framebuffer.height), framebuffer.pixels.data(), int(framebuffer.width * 4)));
    if (!source || !destination)
        return;
    // pixman clips the operation to the framebuffer.
    pixman_image_composite32(PIXMAN_OP_OVER, source.get(), nullptr, destination.get(), 0, 0, 0, 0, left, top,
        shape.width, shape.height);
    int32_t x0 = std::max(left, 0), x1 = std::min<int64_t>(int64_t(left) + shape.width, framebuffer.width);
    int32_t y0 = std::max(top, 0), y1 = std::min<int64_t>(int64_t(top) + shape.height, framebuffer.height);
    for (int32_t y = y0; y < y1; ++y) {
        for (int32_t x = x0; x < x1; ++x)
            framebuffer.row(uint32_t(y))[x] &= 0x00FFFFFF;
    }
}

void CursorOverlay::compose_mono(Framebuffer& framebuffer, const CursorShape& shape, int32_t left, int32_t top) const
{
    size_t row_bytes = (size_t(shape.width) + 7) / 8;
    size_t mask_bytes = row_bytes * shape.height;
    if (shape.data.size() < mask_bytes * 2)
        return;
    const uint8_t* and_mask = shape.data.data();
    const uint8_t* xor_mask = and_mask + mask_bytes;
    int32_t x0 = std::max(left, 0), x1 = std::min<int64_t>(int64_t(left) + shape.width, framebuffer.width);
    int32_t y0 = std::max(top, 0), y1 = std::min<int64_t>(int64_t(top) + shape.height, framebuffer.height);
    for (int32_t y = y0; y < y1; ++y) {
        size_t row = size_t(y - top) * row_bytes;
        uint32_t* out = framebuffer.row(uint32_t(y));
        for (int32_t x = x0; x < x1; ++x) {
            size_t column = size_t(x - left);
            uint8_t bit = uint8_t(0x80 >> (column % 8));
            bool keep = and_mask[row + column / 8] & bit;
            bool flip = xor_mask[row + column / 8] & bit;
            // AND 1 keeps the screen (XOR 1 then inverts it); AND 0 replaces it with black or white.
            if (keep)
                out[x] = flip ? ~out[x] & 0x00FFFFFF : out[x];
            else
                out[x] = flip ? 0x00FFFFFF : 0x00000000;
        }
    }
}

} // namespace spicebox
