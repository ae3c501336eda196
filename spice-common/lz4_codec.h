// SPICE_IMAGE_TYPE_LZ4 payloads: what follows a SpiceLZ4Data's data_size, as spice-server writes it
// and spice-gtk reads it. One byte says whether rows are top-down, one byte gives the
// SpiceBitmapFmt of the pixels, then LZ4 blocks each prefixed by its compressed size (32-bit
// big-endian) that together decompress to the rows (RGB formats without padding: 32-bit pixels as
// B, G, R, X; 24-bit as B, G, R; 16-bit as x1r5g5b5).
#pragma once

#include "base/result.h"
#include "spice-common/display_model.h"

#include <cstdint>
#include <span>
#include <vector>

namespace spicebox {

// Xrgb8888, Argb8888, Rgb888 and Rgb555 bitmaps; fails on palettised and alpha-only ones.
Result<std::vector<uint8_t>> encode_lz4_image(const Bitmap&);

// The bitmap in the format the payload names (top-down rows whatever order it was sent in); fails
// unless the blocks decompress to exactly width x height pixels.
Result<Bitmap> decode_lz4_image(std::span<const uint8_t> payload, uint32_t width, uint32_t height);

} // namespace spicebox
