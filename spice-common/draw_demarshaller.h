// SPICE display-channel drawing messages (DRAW_FILL .. DRAW_ALPHA_BLEND, COPY_BITS) read from their
// wire form into the display model's DrawCommand, for a client's canvas. Every length, count and
// pointer is checked against the message before it is used; images are handed to an ImageResolver
// because turning one into pixels needs the client's caches and codecs.
#pragma once

#include "base/result.h"
#include "spice-common/display_model.h"
#include "spice-common/wire_reader.h"

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace spicebox {

class ImageResolver {
public:
    virtual ~ImageResolver() = default;
    // The SpiceImage at `offset` of `body` (a message body: pointers are offsets from its start).
    virtual Result<Image> resolve_image(std::span<const uint8_t> body, uint32_t offset) = 0;
};

// At most this many clip rectangles or glyphs in one message: far above what any server sends, and a
// bound on what a hostile one can make the client allocate beyond the message itself.
constexpr uint32_t kMaxDrawListLength = 65536;

// SPICE Rect (top, left, bottom, right).
Result<Rect> read_wire_rect(WireReader&);
// SPICE Clip: NONE gives nullopt, RECTS the rectangles.
Result<std::optional<std::vector<Rect>>> read_wire_clip(WireReader&);

// True for the message types parse_draw_message handles.
bool is_draw_message(uint16_t message_type);

// One SPICE_MSG_DISPLAY_DRAW_* or COPY_BITS body.
Result<DrawCommand> parse_draw_message(uint16_t message_type, std::span<const uint8_t> body, ImageResolver&);

} // namespace spicebox
