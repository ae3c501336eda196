#include "spice-client-sdl/sdl_viewport.h"

#include <algorithm>

namespace spicebox {

Viewport fit_viewport(uint32_t screen_width, uint32_t screen_height, int window_width, int window_height)
{
    if (screen_width == 0 || screen_height == 0 || window_width <= 0 || window_height <= 0)
        return {};
    // 64-bit products: a window and a screen of up to 2^31 pixels a side cannot overflow them.
    int64_t sw = screen_width, sh = screen_height, ww = window_width, wh = window_height;
    Viewport viewport;
    if (ww * sh <= wh * sw) {
        viewport.width = window_width;
        viewport.height = int(std::max<int64_t>(1, (ww * sh + sw / 2) / sw));
    } else {
        viewport.height = window_height;
        viewport.width = int(std::max<int64_t>(1, (wh * sw + sh / 2) / sh));
    }
    viewport.x = (window_width - viewport.width) / 2;
    viewport.y = (window_height - viewport.height) / 2;
    return viewport;
}

ScreenPoint window_to_screen(const Viewport& viewport, uint32_t screen_width, uint32_t screen_height, int x, int y)
{
    if (viewport.empty() || screen_width == 0 || screen_height == 0)
        return {};
    auto scale = [](int offset, int extent, uint32_t size) {
        int64_t scaled = int64_t(offset) * size / extent;
        return int32_t(std::clamp<int64_t>(scaled, 0, int64_t(size) - 1));
    };
    return { scale(x - viewport.x, viewport.width, screen_width), scale(y - viewport.y, viewport.height, screen_height) };
}

ScreenPoint screen_to_window(const Viewport& viewport, uint32_t screen_width, uint32_t screen_height, int32_t x, int32_t y)
{
    if (screen_width == 0 || screen_height == 0)
        return { viewport.x, viewport.y };
    // Rounded up: the first window pixel that window_to_screen maps to (x, y).
    auto scale = [](int32_t offset, int extent, uint32_t size) {
        int64_t product = int64_t(offset) * extent;
        return product > 0 ? (product + size - 1) / size : product / int64_t(size);
    };
    return { int32_t(viewport.x + scale(x, viewport.width, screen_width)), int32_t(viewport.y + scale(y, viewport.height, screen_height)) };
}

} // namespace spicebox
