// SPICE_IMAGE_TYPE_QUIC payloads: the QUIC lossless image codec (Golomb-coded prediction residuals
// with adaptive per-channel models) of spice-common's quic.c. The stream's header gives the image
// type (RGB32, RGB24, RGB16 or RGBA; GRAY, which no client decodes and no server sends, is refused),
// width and height.
#pragma once

#include "base/result.h"
#include "spice-common/display_model.h"

#include <cstdint>
#include <span>

namespace spicebox {

// An Xrgb8888 bitmap (Argb8888 for RGBA; RGB16's 5-bit channels widened to 8 bits).
Result<Bitmap> decode_quic(std::span<const uint8_t> payload);

} // namespace spicebox
