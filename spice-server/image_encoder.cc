#include "spice-server/image_encoder.h"

#include "spice-common/jpeg_codec.h"
#include "spice-common/lz4_codec.h"

#include <spice/enums.h>

#include <cstring>
#include <unordered_set>

namespace spicebox {

namespace {

// Pixels sampled, and distinct colours among them beyond which an image counts as photographic.
constexpr size_t kPhotoSamples = 4096;
constexpr size_t kPhotoDistinctColours = 1024;

}

bool looks_photographic(const Bitmap& bitmap)
{
    size_t pixels = size_t(bitmap.width) * bitmap.height;
    if (pixels == 0 || bitmap.pixels.size() < size_t(bitmap.stride) * bitmap.height || bitmap.stride < bitmap.width * 4)
        return false;
    size_t step = std::max<size_t>(1, pixels / kPhotoSamples);
    std::unordered_set<uint32_t> colours;
    for (size_t i = 0; i < pixels; i += step) {
        uint32_t pixel;
        std::memcpy(&pixel, bitmap.pixels.data() + (i / bitmap.width) * bitmap.stride + (i % bitmap.width) * 4, 4);
        colours.insert(pixel & 0xFFFFFF);
    }
    return colours.size() > kPhotoDistinctColours;
}

ImageCompression choose_compression(const Image& image, ClientCodecs client)
{
    auto* bitmap = std::get_if<Bitmap>(&image.source);
    if (!bitmap || size_t(bitmap->stride) * bitmap->height < kMinBytesToCompress)
        return ImageCompression::Raw;
    if (client.low_bandwidth && bitmap->format == BitmapFormat::Xrgb8888 && uint64_t(bitmap->width) * bitmap->height >= kMinJpegPixels
        && looks_photographic(*bitmap))
        return ImageCompression::Jpeg;
    if (!client.lz4)
        return ImageCompression::Raw;
    switch (bitmap->format) {
    case BitmapFormat::Xrgb8888:
    case BitmapFormat::Argb8888:
    case BitmapFormat::Rgb888:
    case BitmapFormat::Rgb555:
        return ImageCompression::Lz4;
    default:
        return ImageCompression::Raw;
    }
}

ImageCompression write_image(WireWriter& writer, size_t body_start, const Image& image, uint8_t image_flags, ImageCompression compression,
    const SurfaceSizes& surface_sizes)
{
    if (compression != ImageCompression::Raw) {
        auto& bitmap = std::get<Bitmap>(image.source);
        auto payload = compression == ImageCompression::Lz4 ? encode_lz4_image(bitmap) : encode_jpeg(bitmap, kJpegQuality);
        if (payload && payload->size() < bitmap.pixels.size()) {
            auto type = compression == ImageCompression::Lz4 ? SPICE_IMAGE_TYPE_LZ4 : SPICE_IMAGE_TYPE_JPEG;
            write_image_descriptor(writer, image.id, type, image_flags, bitmap.width, bitmap.height);
            writer.put_u32(uint32_t(payload->size()));
            writer.put_bytes(*payload);
            return compression;
        }
    }
    write_raw_image(writer, body_start, image, image_flags, surface_sizes);
    return ImageCompression::Raw;
}

} // namespace spicebox
