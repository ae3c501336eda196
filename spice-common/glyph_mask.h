// The coverage of a TEXT command's glyphs as one a8 mask, which the canvas paints the foreground
// brush through. Glyph rasters follow SPICE: rows bottom-up unless SPICE_STRING_FLAGS_RASTER_TOP_DOWN,
// 1-bit glyphs most significant bit first, 4-bit glyphs high nibble first; overlapping glyphs keep
// the larger coverage.
#pragma once

#include "spice-common/display_model.h"
#include "spice-common/pixman_handles.h"

#include <optional>

namespace spicebox {

struct GlyphMask {
    PixmanImage image; // PIXMAN_a8, area.width() x area.height()
    Rect area;         // where the mask lies on the destination
};

// The mask restricted to `limit` (the part of the destination that may change); nullopt when no
// glyph reaches it or the string's depth is not one of A1, A4, A8.
std::optional<GlyphMask> build_glyph_mask(const TextOp&, const Rect& limit);

} // namespace spicebox
