// The display channel message bodies this server speaks: surfaces, marks, and DRAW_COPY of raw 32-bit
// top-down bitmaps (clip NONE, rop OP_PUT); and the client's DISPLAY_INIT.
#pragma once

#include "base/result.h"
#include "spice-common/framebuffer.h"
#include "spice-common/wire_writer.h"

#include <cstdint>
#include <span>

namespace spicebox {

constexpr uint32_t kPrimarySurfaceId = 0;

// Size of a DRAW_COPY body for `area` (fixed part, image descriptor, bitmap header, pixels).
size_t draw_copy_raw_size(const Rect& area);

void marshal_surface_create(WireWriter&, uint32_t surface_id, uint32_t width, uint32_t height);
void marshal_surface_destroy(WireWriter&, uint32_t surface_id);
// A DRAW_COPY that puts `area` of `screen` at the same place on `surface_id`; `area` must lie within `screen`.
void marshal_draw_copy_raw(WireWriter&, uint32_t surface_id, const Rect& area, uint64_t image_id, const Framebuffer& screen);

struct DisplayInit {
    uint8_t pixmap_cache_id;
    int64_t pixmap_cache_size;
    uint8_t glz_dictionary_id;
    int32_t glz_dictionary_window_size;
};
Result<DisplayInit> parse_display_init(std::span<const uint8_t> body);

} // namespace spicebox
