// What changed between the picture the window shows and the session's screen, as a few rectangles, so the
// window uploads only those to its texture (a blinking text cursor is a few hundred bytes, not the screen).
#pragma once

#include "spice-common/framebuffer.h"

#include <vector>

namespace spicebox {

// One rectangle per run of consecutive changed rows, spanning the columns that changed in them. The whole
// screen when the sizes differ; nothing when the pictures are equal.
std::vector<Rect> changed_rects(const Framebuffer& shown, const Framebuffer& current);

// Brings `shown` to `current` inside `rects` (resizing it first when the sizes differ).
void copy_rects(Framebuffer& shown, const Framebuffer& current, const std::vector<Rect>& rects);

} // namespace spicebox
