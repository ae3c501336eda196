// The framebuffer half of the display source (DESIGN.md's DisplaySource): what a display card that the
// server screen-scrapes gives it. The server keeps its own copy of the screen and asks for what changed.
// Draw commands (the QXL half) arrive through spice-common's DisplaySink.
#pragma once

#include "spice-common/framebuffer.h"

#include <vector>

namespace spicebox {

class FramebufferSource {
public:
    virtual ~FramebufferSource() = default;

    // Brings `screen` (what the previous call left; empty at first) up to date and returns the rectangles
    // that changed. A new resolution resizes `screen` and reports all of it. 0x0 means no picture.
    virtual std::vector<Rect> update_screen(Framebuffer& screen) = 0;
};

} // namespace spicebox
