// SPICE_IMAGE_TYPE_LZ_RGB and LZ_PLT payloads: spice-common's LZ codec (a header giving the LZ image
// type, size and stride, then literal runs and back-references within the image), also the alpha
// plane of SPICE_IMAGE_TYPE_JPEG_ALPHA (LZ image type XXXA).
#pragma once

#include "base/result.h"
#include "spice-common/display_model.h"

#include <cstdint>
#include <span>

namespace spicebox {

// The header fields shared by LZ and GLZ streams (spice-common's lz_common.h), all big-endian.
constexpr uint32_t lz_magic = 0x20205a4c; // "LZ  "
constexpr uint32_t lz_version = 0x00010001; // 1.1

enum class LzImageType : uint32_t {
    Invalid,
    Plt1Le,
    Plt1Be,
    Plt4Le,
    Plt4Be,
    Plt8,
    Rgb16,
    Rgb24,
    Rgb32,
    Rgba,
    Xxxa, // the alpha bytes of 32-bit pixels (JPEG_ALPHA's alpha plane)
    A8,
};

// LZ_RGB16/24/32 become Rgb555/Xrgb8888/Xrgb8888 bitmaps, LZ_RGBA an Argb8888 one, LZ_XXXA an A8
// one (the alpha bytes), LZ_PLT types the palettised format they name with `palette` as its
// palette (entries past the end of `palette` are 0). Rows are top-down whatever the stream's order.
Result<Bitmap> decode_lz(std::span<const uint8_t> payload, std::span<const uint32_t> palette);

} // namespace spicebox
