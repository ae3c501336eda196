// What one display client is owed, in order: surface changes, screen areas (framebuffer source), surface
// pixels (a snapshot), draw commands (command source), marks and monitor layouts.
//
// The occlusion rule (the seed's drawable tree, kept to what can be proven correct): a queued draw is
// dropped when a later draw on the same surface paints every pixel it could touch with no regard to what
// was there (OP_PUT fill or copy of a bitmap wholly inside its source, or blackness/whiteness; no mask;
// its area a rectangle), unless something queued in between, or the covering draw itself, reads that
// surface (COPY_BITS, a SURFACE image), or anything else than a draw lies in between.
#pragma once

#include "spice-common/display_model.h"
#include "spice-server/command_stream.h"

#include <cstdint>
#include <deque>
#include <memory>

namespace spicebox {

struct PipeItem {
    enum class Kind { CreateSurface, DestroySurface, ScreenArea, SurfacePixels, Command, Mark, MonitorsConfig };
    Kind kind;
    SurfaceInfo surface {};                      // CreateSurface; the id for DestroySurface and SurfacePixels
    Rect area {};                                // ScreenArea, SurfacePixels: what is left to send
    std::shared_ptr<const Framebuffer> pixels {};  // SurfacePixels
    std::shared_ptr<const DrawCommand> command {}; // Command
    MonitorsConfig monitors {};                    // MonitorsConfig
};

// How far back a new draw looks for draws it covers.
constexpr size_t kOcclusionWindow = 256;

class DisplayPipe {
public:
    void push(PipeItem item) { m_items.push_back(std::move(item)); }
    // Queues a draw command, first dropping the queued draws it covers.
    void push_command(std::shared_ptr<const DrawCommand>);

    bool empty() const { return m_items.empty(); }
    size_t size() const { return m_items.size(); }
    PipeItem& front() { return m_items.front(); }
    void pop_front();
    void clear();
    // For changes to items other than draw commands.
    std::deque<PipeItem>& items() { return m_items; }
    // What the queued draw commands hold (draw_payload_bytes).
    size_t command_bytes() const { return m_command_bytes; }

    uint64_t dropped_by_occlusion() const { return m_dropped; }

private:
    std::deque<PipeItem> m_items;
    size_t m_command_bytes { 0 };
    uint64_t m_dropped { 0 };
};

// The area `command` paints entirely regardless of the surface's contents; nullopt when it does not.
std::optional<Rect> opaque_area(const DrawCommand&);
// The area a draw may change: its bbox, within its clip's bounds.
Rect touched_area(const DrawCommand&);
// Whether the draw reads surface `surface_id` (a SURFACE image, COPY_BITS on it).
bool reads_surface(const DrawCommand&, uint32_t surface_id);

} // namespace spicebox
