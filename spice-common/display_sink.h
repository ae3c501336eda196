// What a graphics device hands its validated display commands to: the SPICE server's display
// worker implements it (rendering into the surfaces, queueing for clients), unit tests record.
// Devices call it in guest order, one call at a time; an implementation must not call back into
// the device.
#pragma once

#include "spice-common/display_model.h"

namespace spicebox {

class DisplaySink {
public:
    virtual ~DisplaySink() = default;

    virtual void create_surface(const SurfaceCreate&) = 0;
    virtual void destroy_surface(uint32_t surface_id) = 0;
    virtual void draw(DrawCommand) = 0;
    virtual void cursor(CursorCommand) = 0;
    virtual void monitors_config(MonitorsConfig) = 0;
    // Everything drawn so far on the surface within `area` must be in the surface's memory when
    // this returns: the guest reads it back (UPDATE_AREA, FLUSH_SURFACES, surface eviction).
    virtual void update_area(uint32_t surface_id, const Rect& area) = 0;
};

} // namespace spicebox
