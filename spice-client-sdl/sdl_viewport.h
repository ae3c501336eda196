// Where the guest's screen goes in the window: scaled to the largest size that keeps its aspect ratio,
// centred, with bars on the two other sides; and back, from a window point to the guest pixel under it.
#pragma once

#include <cstdint>

namespace spicebox {

struct Viewport {
    int x { 0 };
    int y { 0 };
    int width { 0 };
    int height { 0 };

    bool empty() const { return width <= 0 || height <= 0; }
    bool operator==(const Viewport&) const = default;
};

struct ScreenPoint {
    int32_t x { 0 };
    int32_t y { 0 };
    bool operator==(const ScreenPoint&) const = default;
};

// Empty when either size is empty.
Viewport fit_viewport(uint32_t screen_width, uint32_t screen_height, int window_width, int window_height);

// The screen pixel under window point (x, y); points on the bars are clamped to the nearest edge pixel.
ScreenPoint window_to_screen(const Viewport&, uint32_t screen_width, uint32_t screen_height, int x, int y);

// The first window point over screen pixel (x, y) (for drawing the cursor at the guest's position).
ScreenPoint screen_to_window(const Viewport&, uint32_t screen_width, uint32_t screen_height, int32_t x, int32_t y);

} // namespace spicebox
