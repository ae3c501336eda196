// The software renderer: surfaces as pixman images over their own memory (for a QXL device, the
// guest's BAR memory, so the guest and any screenshot see the result with no copy) and every draw
// command of the display model rendered into its target surface, in order, with pixman.
//
// The model is validated by the parser that built it, but the canvas still trusts nothing: every
// rectangle is clipped to its surface, every source rectangle to its source, and a command it
// cannot honour (missing surface, inconsistent bitmap) is dropped with one log line.
//
// Not rendered, each logged once per canvas: STROKE (line drawing, which neither the Linux nor the
// Xorg driver emits), and bitwise ROPs, colour keys and COPY_BITS on 1-bit surfaces (only plain
// copies, fills and blends reach those).
#pragma once

#include "base/result.h"
#include "spice-common/display_model.h"
#include "spice-common/framebuffer.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>

namespace spicebox {

struct CanvasSurface; // a surface's pixman image and memory (canvas.cc)

class Canvas {
public:
    Canvas();
    ~Canvas();
    Canvas(const Canvas&) = delete;
    Canvas& operator=(const Canvas&) = delete;

    // Wraps the surface's memory (replacing any surface with that id). Memory pixman cannot
    // address (rows or start not 4-byte aligned) is rendered into a host copy instead, written
    // back by update_area(); an empty `memory` makes a host-only surface with its own pixels.
    Result<void> create_surface(const SurfaceCreate&);
    void destroy_surface(uint32_t surface_id);
    void destroy_all_surfaces();
    bool has_surface(uint32_t surface_id) const;
    // The most recently created surface flagged primary, while it exists.
    std::optional<uint32_t> primary_surface() const;

    void draw(const DrawCommand&);

    // Makes `area` of the surface visible in its memory. Only surfaces rendered into a host copy
    // need this: the others are drawn into their memory directly.
    void update_area(uint32_t surface_id, const Rect& area);

    // The surface's pixels as 0x00RRGGBB, whatever its format.
    Result<void> read_surface(uint32_t surface_id, Framebuffer&) const;

private:
    class Renderer; // one draw command's rendering (canvas.cc)

    CanvasSurface* find(uint32_t surface_id);
    void log_once(uint32_t kind, const char* what);

    std::map<uint32_t, std::unique_ptr<CanvasSurface>> m_surfaces;
    std::optional<uint32_t> m_primary;
    uint32_t m_logged { 0 };
};

} // namespace spicebox
