// The guest's pointer as its cursor commands leave it (shape, hot spot, position, visibility), and
// drawn over a screenshot on request. Positions are where the hot spot is, as QXL and SPICE define
// them. ALPHA (premultiplied ARGB) and MONO (AND then XOR mask, most significant bit first) shapes
// are drawn, as QEMU's own display does; the palettised COLOR* shapes are kept but not drawn.
#pragma once

#include "spice-common/display_model.h"
#include "spice-common/framebuffer.h"

#include <optional>

namespace spicebox {

class CursorOverlay {
public:
    // SET replaces shape, position and visibility; MOVE moves and shows the cursor (as
    // spice-server does); HIDE hides it; TRAIL has no visible effect here; RESET forgets the shape.
    void apply(const CursorCommand&);

    bool visible() const { return m_visible && m_shape.has_value(); }
    Point position() const { return m_position; }
    const std::optional<CursorShape>& shape() const { return m_shape; }

    // Draws the cursor onto `framebuffer` when it is visible and its shape is drawable; a shape
    // whose data is shorter than its size needs is not drawn.
    void compose(Framebuffer& framebuffer) const;

private:
    void compose_alpha(Framebuffer&, const CursorShape&, int32_t left, int32_t top) const;
    void compose_mono(Framebuffer&, const CursorShape&, int32_t left, int32_t top) const;

    std::optional<CursorShape> m_shape;
    Point m_position;
    bool m_visible { false };
};

} // namespace spicebox
