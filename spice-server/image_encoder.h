// How one image goes to one client, chosen at send time:
// - JPEG (quality kJpegQuality) when the client's link is slow and the bitmap is a large 32-bit image that
//   looks photographic (many distinct colours), where lossless codecs gain little;
// - LZ4 when the client announced it can decode it (SPICE_DISPLAY_CAP_LZ4_COMPRESSION), did not ask for
//   uncompressed images, and the bitmap's format is one LZ4 images carry and large enough to gain;
// - otherwise raw. SURFACE images are always raw.
#pragma once

#include "spice-common/draw_marshaller.h"

#include <cstdint>
#include <functional>

namespace spicebox {

// spice-server's MIN_SIZE_TO_COMPRESS: smaller bitmaps go raw.
constexpr size_t kMinBytesToCompress = 54;
constexpr int kJpegQuality = 85;
// Smaller images are never sent lossy (icons, glyph-like pictures).
constexpr uint64_t kMinJpegPixels = 64 * 64;

enum class ImageCompression { Raw, Lz4, Jpeg };

struct ClientCodecs {
    bool lz4 { false };          // the client takes LZ4 images
    bool low_bandwidth { false }; // its link is slow enough for lossy images
};

// Whether the bitmap has many distinct colours (sampled): a photograph or a gradient, not drawn UI.
bool looks_photographic(const Bitmap&);

ImageCompression choose_compression(const Image&, ClientCodecs);

using SurfaceSizes = std::function<std::pair<uint32_t, uint32_t>(uint32_t surface_id)>;

// Writes the image with `image_flags` in its descriptor, compressed as `compression` asks (raw when
// compressing fails or gains nothing). Returns the compression used.
ImageCompression write_image(WireWriter&, size_t body_start, const Image&, uint8_t image_flags, ImageCompression compression,
    const SurfaceSizes&);

} // namespace spicebox
