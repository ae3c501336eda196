// The DisplaySink that renders: a device's surfaces and draw commands go straight into a Canvas,
// its cursor commands into a CursorOverlay, its monitor layout is kept. Rendering is eager and in
// guest order into the surfaces' own memory, so by the time a command returns its pixels are where
// the guest and a screenshot read them. One mutex serialises every call, so screenshots may be
// taken from another thread than the device's.
#pragma once

#include "base/result.h"
#include "spice-common/canvas.h"
#include "spice-common/cursor_overlay.h"
#include "spice-common/display_sink.h"

#include <mutex>

namespace spicebox {

class CanvasSink final : public DisplaySink {
public:
    void create_surface(const SurfaceCreate&) override;
    void destroy_surface(uint32_t surface_id) override;
    void draw(DrawCommand) override;
    // As draw, for a caller that keeps the command (to send it on).
    void render(const DrawCommand&);
    void cursor(CursorCommand) override;
    void monitors_config(MonitorsConfig) override;
    // Draws are already in the surface's memory; only surfaces the canvas had to render into a
    // host copy (memory pixman cannot address) are written back.
    void update_area(uint32_t surface_id, const Rect& area) override;

    bool has_primary() const;
    // The primary surface as 0x00RRGGBB, with the cursor over it when `with_cursor` and visible.
    Result<void> screenshot(Framebuffer&, bool with_cursor) const;
    // Any surface's pixels as 0x00RRGGBB.
    Result<void> read_surface(uint32_t surface_id, Framebuffer&) const;
    CursorOverlay cursor_state() const;
    MonitorsConfig monitors() const;

private:
    mutable std::mutex m_mutex;
    Canvas m_canvas;
    CursorOverlay m_cursor;
    MonitorsConfig m_monitors;
};

} // namespace spicebox
