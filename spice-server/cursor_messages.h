// The bodies of the cursor channel's messages (spice.proto's CursorChannel). A cursor is SpiceCursor:
// its flags, then unless NONE the 17-byte SpiceCursorHeader, then unless FROM_CACHE the shape's data to
// the end of the message. Positions are Point16: coordinates beyond int16 are clamped.
#pragma once

#include "spice-common/display_model.h"
#include "spice-common/wire_writer.h"

#include <cstdint>

namespace spicebox {

// `shape` null: SPICE_CURSOR_FLAGS_NONE (no shape). Otherwise `flags` is 0, CACHE_ME or FROM_CACHE.
void marshal_cursor(WireWriter&, const CursorShape* shape, uint16_t flags);
void marshal_cursor_init(WireWriter&, Point position, uint16_t trail_length, uint16_t trail_frequency, bool visible,
    const CursorShape* shape, uint16_t flags);
void marshal_cursor_set(WireWriter&, Point position, bool visible, const CursorShape* shape, uint16_t flags);
void marshal_cursor_move(WireWriter&, Point position);
void marshal_cursor_trail(WireWriter&, uint16_t length, uint16_t frequency);
void marshal_cursor_inval_one(WireWriter&, uint64_t unique);

} // namespace spicebox
