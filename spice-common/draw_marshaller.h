// Display-model draw commands as SPICE display channel message bodies (DRAW_FILL ... DRAW_ALPHA_BLEND,
// COPY_BITS), laid out as spice.proto's DisplayBase + operation structs: fixed part first, then what its
// pointers (uint32 offsets from the start of the body) point to.
//
// How an image goes on the wire (raw, compressed, cached) is the caller's choice per client, so images
// are written through an ImageWriter; write_raw_image is the plain BITMAP / SURFACE form.
#pragma once

#include "spice-common/display_model.h"
#include "spice-common/wire_writer.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace spicebox {

class ImageWriter {
public:
    virtual ~ImageWriter() = default;
    // Appends a SpiceImage (descriptor and payload) for `image`; `body_start` as for marshal_draw.
    virtual void write_image(WireWriter&, size_t body_start, const Image&) = 0;
};

// The SPICE_MSG_DISPLAY_* type of the message that carries this draw.
uint16_t draw_message_type(const DrawCommand&);

// Appends the message body. `body_start` is the writer offset where the body began (pointers are relative
// to it).
void marshal_draw(WireWriter&, size_t body_start, const DrawCommand&, ImageWriter&);

// Every image the draw's message carries (source, brush pattern, mask), in wire order.
std::vector<const Image*> draw_images(const DrawCommand&);

// Roughly what the command holds in memory (its bitmaps and glyphs), for bounding queues of commands.
size_t draw_payload_bytes(const DrawCommand&);

// An image as BITMAP (rows top-down, palette inline) or SURFACE, with `image_flags` (SPICE_IMAGE_FLAGS_*)
// in its descriptor. `surface_size` gives a SURFACE source's size for the descriptor.
void write_raw_image(WireWriter&, size_t body_start, const Image&, uint8_t image_flags,
    const std::function<std::pair<uint32_t, uint32_t>(uint32_t surface_id)>& surface_size);
// The descriptor alone with the given type (FROM_CACHE, or the start of a compressed image).
void write_image_descriptor(WireWriter&, uint64_t id, uint8_t type, uint8_t flags, uint32_t width, uint32_t height);

// A SPICE Rect: top, left, bottom, right.
void put_wire_rect(WireWriter&, const Rect&);

} // namespace spicebox
