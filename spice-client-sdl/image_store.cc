#include "spice-client-sdl/image_store.h"

#include "base/log.h"
#include "spice-common/bitmap_image.h"
#include "spice-common/jpeg_codec.h"
#include "spice-common/lz4_codec.h"
#include "spice-common/lz_decoder.h"
#include "spice-common/quic_decoder.h"

#include <spice/enums.h>

#include <cstring>
#include <string>

namespace spicebox {

namespace {

// The server counts cached pixels against what we announced; this much slack beyond it covers the
// difference between its accounting and ours before we call it a broken server.
constexpr uint64_t kPixmapCacheSlack = 2;
// The server keeps at most 128 palettes in our cache (spice-server's CLIENT_PALETTE_CACHE_SIZE).
constexpr size_t kMaxPalettes = 1024;
constexpr uint32_t kMaxPaletteEntries = 256;

// A SpiceImage's data_size-prefixed payload.
Result<std::span<const uint8_t>> read_sized_payload(WireReader& reader, const char* what)
{
    auto size = TRY(reader.read<uint32_t>(what));
    return reader.read_bytes(size, what);
}

} // namespace

ImageStore::ImageStore(uint64_t pixmap_cache_pixels, uint32_t glz_window_pixels)
    : m_pixmap_cache_limit(pixmap_cache_pixels * kPixmapCacheSlack)
    , m_glz(size_t(glz_window_pixels) * 4)
{
}

Result<std::vector<uint32_t>> ImageStore::read_palette(WireReader& reader, std::span<const uint8_t> body, uint8_t flags, bool required)
{
    if (flags & SPICE_BITMAP_FLAGS_PAL_FROM_CACHE) {
        auto id = TRY(reader.read<uint64_t>("palette id"));
        auto found = m_palettes.find(id);
        if (found == m_palettes.end())
            return Error { "the server named palette " + std::to_string(id) + ", which is not in the cache" };
        return found->second;
    }
    auto offset = TRY(reader.read<uint32_t>("palette pointer"));
    if (offset == 0) {
        if (required)
            return Error { "image without its palette" };
        return std::vector<uint32_t> {};
    }
    if (offset >= body.size())
        return Error { "palette pointer outside the message" };
    WireReader palette_reader(body.subspan(offset));
    auto unique = TRY(palette_reader.read<uint64_t>("palette"));
    auto count = TRY(palette_reader.read<uint16_t>("palette"));
    if (count > kMaxPaletteEntries)
        return Error { "palette of " + std::to_string(count) + " entries" };
    std::vector<uint32_t> palette;
    for (uint16_t i = 0; i < count; ++i)
        palette.push_back(TRY(palette_reader.read<uint32_t>("palette entry")));
    if (flags & SPICE_BITMAP_FLAGS_PAL_CACHE_ME) {
        if (m_palettes.size() >= kMaxPalettes && !m_palettes.contains(unique))
            return Error { "the server cached more than " + std::to_string(kMaxPalettes) + " palettes" };
        m_palettes[unique] = palette;
    }
    return palette;
}

Result<Bitmap> ImageStore::read_bitmap(WireReader& reader, std::span<const uint8_t> body)
{
    auto format = TRY(reader.read<uint8_t>("bitmap format"));
    auto flags = TRY(reader.read<uint8_t>("bitmap flags"));
    auto width = TRY(reader.read<uint32_t>("bitmap width"));
    auto height = TRY(reader.read<uint32_t>("bitmap height"));
    auto stride = TRY(reader.read<uint32_t>("bitmap stride"));
    if (format < SPICE_BITMAP_FMT_1BIT_LE || format > SPICE_BITMAP_FMT_8BIT_A)
        return Error { "unknown bitmap format " + std::to_string(format) };
    Bitmap bitmap;
    bitmap.format = BitmapFormat(format);
    if (width == 0 || height == 0 || width > max_raster_dimension || height > max_raster_dimension)
        return Error { "bitmap of " + std::to_string(width) + "x" + std::to_string(height) };
    bitmap.width = width;
    bitmap.height = height;
    bitmap.stride = uint32_t((uint64_t(width) * bits_per_pixel(bitmap.format) + 7) / 8);
    if (stride < bitmap.stride)
        return Error { "bitmap stride " + std::to_string(stride) + " below its row size" };
    auto palette = TRY(read_palette(reader, body, flags, has_palette(bitmap.format)));
    if (has_palette(bitmap.format)) {
        palette.resize(size_t(1) << bits_per_pixel(bitmap.format), 0);
        bitmap.palette = std::move(palette);
    }
    if (uint64_t(stride) * height > reader.remaining())
        return Error { "bitmap pixels run past the message" };
    auto pixels = TRY(reader.read_bytes(size_t(stride) * height, "bitmap pixels"));
    bitmap.pixels.resize(size_t(bitmap.stride) * height);
    bool top_down = (flags & SPICE_BITMAP_FLAGS_TOP_DOWN) != 0;
    for (uint32_t y = 0; y < height; ++y) {
        uint32_t source_row = top_down ? y : height - 1 - y;
        std::memcpy(bitmap.pixels.data() + size_t(y) * bitmap.stride, pixels.data() + size_t(source_row) * stride, bitmap.stride);
    }
    return bitmap;
}

Result<Bitmap> ImageStore::read_jpeg_alpha(WireReader& reader)
{
    TRY(reader.read<uint8_t>("JPEG_ALPHA flags"));
    auto jpeg_size = TRY(reader.read<uint32_t>("JPEG_ALPHA"));
    auto data = TRY(read_sized_payload(reader, "JPEG_ALPHA"));
    if (jpeg_size > data.size())
        return Error { "JPEG_ALPHA: the JPEG part is larger than the data" };
    auto bitmap = TRY(decode_jpeg(data.subspan(0, jpeg_size)));
    auto alpha = TRY(decode_lz(data.subspan(jpeg_size), {}));
    if (alpha.format != BitmapFormat::A8 || alpha.width != bitmap.width || alpha.height != bitmap.height)
        return Error { "JPEG_ALPHA: the alpha plane does not match the picture" };
    for (uint32_t y = 0; y < bitmap.height; ++y)
        for (uint32_t x = 0; x < bitmap.width; ++x)
            bitmap.pixels[size_t(y) * bitmap.stride + x * 4 + 3] = alpha.pixels[size_t(y) * alpha.stride + x];
    bitmap.format = BitmapFormat::Argb8888;
    return bitmap;
}

Result<void> ImageStore::cache_pixmap(uint64_t id, const Bitmap& bitmap)
{
    invalidate_pixmap(id);
    uint64_t pixels = uint64_t(bitmap.width) * bitmap.height;
    if (m_pixmap_pixels + pixels > m_pixmap_cache_limit)
        return Error { "the server overfilled the pixmap cache (" + std::to_string(m_pixmap_pixels + pixels) + " pixels)" };
    m_pixmap_pixels += pixels;
    m_pixmaps.emplace(id, bitmap);
    return {};
}

Result<Image> ImageStore::resolve_image(std::span<const uint8_t> body, uint32_t offset)
{
    if (offset >= body.size())
        return Error { "image pointer " + std::to_string(offset) + " outside the message" };
    WireReader reader(body.subspan(offset));
    auto id = TRY(reader.read<uint64_t>("image descriptor"));
    auto type = TRY(reader.read<uint8_t>("image descriptor"));
    auto flags = TRY(reader.read<uint8_t>("image descriptor"));
    auto width = TRY(reader.read<uint32_t>("image descriptor"));
    auto height = TRY(reader.read<uint32_t>("image descriptor"));

    LOG_DEBUG("spice-client", "image %llu: type %u, flags %u, %ux%u", static_cast<unsigned long long>(id), type, flags, width, height);
    Image image;
    image.id = id;
    image.cacheable = (flags & SPICE_IMAGE_FLAGS_CACHE_ME) != 0;
    Bitmap bitmap;
    switch (type) {
    case SPICE_IMAGE_TYPE_SURFACE:
        image.source = SurfaceImage { TRY(reader.read<uint32_t>("surface image")) };
        return image;
    case SPICE_IMAGE_TYPE_FROM_CACHE:
    case SPICE_IMAGE_TYPE_FROM_CACHE_LOSSLESS: {
        auto found = m_pixmaps.find(id);
        if (found == m_pixmaps.end())
            return Error { "the server named image " + std::to_string(id) + ", which is not in the cache" };
        image.source = found->second;
        return image;
    }
    case SPICE_IMAGE_TYPE_BITMAP:
        bitmap = TRY(read_bitmap(reader, body));
        break;
    case SPICE_IMAGE_TYPE_QUIC:
        bitmap = TRY(decode_quic(TRY(read_sized_payload(reader, "QUIC image"))));
        break;
    case SPICE_IMAGE_TYPE_LZ_RGB:
        bitmap = TRY(decode_lz(TRY(read_sized_payload(reader, "LZ image")), {}));
        break;
    case SPICE_IMAGE_TYPE_LZ_PLT: {
        auto lz_flags = TRY(reader.read<uint8_t>("LZ_PLT flags"));
        auto size = TRY(reader.read<uint32_t>("LZ_PLT"));
        auto palette = TRY(read_palette(reader, body, lz_flags, true));
        bitmap = TRY(decode_lz(TRY(reader.read_bytes(size, "LZ_PLT data")), palette));
        break;
    }
    case SPICE_IMAGE_TYPE_GLZ_RGB:
        bitmap = TRY(decode_glz(TRY(read_sized_payload(reader, "GLZ image")), m_glz));
        break;
    case SPICE_IMAGE_TYPE_ZLIB_GLZ_RGB:
        bitmap = TRY(decode_zlib_glz(reader.rest(), m_glz));
        break;
    case SPICE_IMAGE_TYPE_JPEG:
        bitmap = TRY(decode_jpeg(TRY(read_sized_payload(reader, "JPEG image"))));
        break;
    case SPICE_IMAGE_TYPE_JPEG_ALPHA:
        bitmap = TRY(read_jpeg_alpha(reader));
        break;
    case SPICE_IMAGE_TYPE_LZ4:
        bitmap = TRY(decode_lz4_image(TRY(read_sized_payload(reader, "LZ4 image")), width, height));
        break;
    default:
        return Error { "unknown image type " + std::to_string(type) };
    }
    if (flags & (SPICE_IMAGE_FLAGS_CACHE_ME | SPICE_IMAGE_FLAGS_CACHE_REPLACE_ME))
        TRY(cache_pixmap(id, bitmap));
    image.source = std::move(bitmap);
    return image;
}

void ImageStore::invalidate_pixmap(uint64_t id)
{
    auto found = m_pixmaps.find(id);
    if (found == m_pixmaps.end())
        return;
    m_pixmap_pixels -= uint64_t(found->second.width) * found->second.height;
    m_pixmaps.erase(found);
}

void ImageStore::invalidate_all_pixmaps()
{
    m_pixmaps.clear();
    m_pixmap_pixels = 0;
}

void ImageStore::invalidate_palette(uint64_t id) { m_palettes.erase(id); }

void ImageStore::invalidate_all_palettes() { m_palettes.clear(); }

} // namespace spicebox
