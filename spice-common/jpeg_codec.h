// SPICE_IMAGE_TYPE_JPEG payloads (and the JPEG part of JPEG_ALPHA): a baseline JFIF stream, through
// libjpeg-turbo.
#pragma once

#include "base/result.h"
#include "spice-common/display_model.h"

#include <cstdint>
#include <span>
#include <vector>

namespace spicebox {

// A 32-bit (Xrgb8888 or Argb8888, alpha ignored) bitmap as a baseline JPEG of `quality` 1..100.
Result<std::vector<uint8_t>> encode_jpeg(const Bitmap&, int quality);

// An Xrgb8888 bitmap; fails on streams libjpeg rejects or whose size is over max_raster_dimension.
Result<Bitmap> decode_jpeg(std::span<const uint8_t> payload);

} // namespace spicebox
