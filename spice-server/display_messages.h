// The display channel message bodies this server speaks besides draw commands (spice-common's
// draw_marshaller): surfaces, DRAW_COPY of raw 32-bit top-down bitmaps (clip NONE, rop OP_PUT), pixmap
// invalidation, monitors config; and the client's DISPLAY_INIT.
#pragma once

#include "base/result.h"
#include "spice-common/framebuffer.h"
#include "spice-common/wire_writer.h"
#include "spice-server/command_stream.h"

#include <cstdint>
#include <span>

namespace spicebox {

constexpr uint32_t kPrimarySurfaceId = 0;

// Size of a DRAW_COPY body for `area` (fixed part, image descriptor, bitmap header, pixels).
size_t draw_copy_raw_size(const Rect& area);

void marshal_surface_create(WireWriter&, uint32_t surface_id, uint32_t width, uint32_t height);
// Any surface, primary or off-screen, in its own format.
void marshal_surface_create(WireWriter&, const SurfaceInfo&);
void marshal_surface_destroy(WireWriter&, uint32_t surface_id);
// A DRAW_COPY that puts `area` of `screen` at the same place on `surface_id`; `area` must lie within `screen`.
void marshal_draw_copy_raw(WireWriter&, uint32_t surface_id, const Rect& area, uint64_t image_id, const Framebuffer& screen);

// INVAL_LIST of pixmap ids (at most kMaxInvalListIds).
constexpr size_t kMaxInvalListIds = UINT16_MAX;
void marshal_inval_list(WireWriter&, std::span<const uint64_t> pixmap_ids);
// MONITORS_CONFIG (at most kMaxMonitorHeads heads are sent).
constexpr size_t kMaxMonitorHeads = 64;
void marshal_monitors_config(WireWriter&, const MonitorsConfig&);

struct DisplayInit {
    uint8_t pixmap_cache_id;
    int64_t pixmap_cache_size;
    uint8_t glz_dictionary_id;
    int32_t glz_dictionary_window_size;
};
Result<DisplayInit> parse_display_init(std::span<const uint8_t> body);

} // namespace spicebox
