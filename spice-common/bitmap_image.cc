#include "spice-common/bitmap_image.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace spicebox {

namespace {

enum class Reorder { None, ReverseBits, SwapNibbles };

struct Layout {
    pixman_format_code_t format;
    Reorder reorder;
};

Layout layout_of(BitmapFormat format)
{
    switch (format) {
    case BitmapFormat::Palette1Le:
        return { PIXMAN_g1, Reorder::None };
    case BitmapFormat::Palette1Be:
        return { PIXMAN_g1, Reorder::ReverseBits };
    case BitmapFormat::Palette4Le:
        return { PIXMAN_c4, Reorder::None };
    case BitmapFormat::Palette4Be:
        return { PIXMAN_c4, Reorder::SwapNibbles };
    case BitmapFormat::Palette8:
        return { PIXMAN_c8, Reorder::None };
    case BitmapFormat::Rgb555:
        return { PIXMAN_x1r5g5b5, Reorder::None };
    case BitmapFormat::Rgb888:
        return { PIXMAN_r8g8b8, Reorder::None };
    case BitmapFormat::Xrgb8888:
        return { PIXMAN_x8r8g8b8, Reorder::None };
    case BitmapFormat::Argb8888:
        return { PIXMAN_a8r8g8b8, Reorder::None };
    case BitmapFormat::A8:
        return { PIXMAN_a8, Reorder::None };
    }
    return { PIXMAN_x8r8g8b8, Reorder::None };
}

uint8_t reverse_bits(uint8_t value)
{
    value = uint8_t((value & 0xF0) >> 4 | (value & 0x0F) << 4);
    value = uint8_t((value & 0xCC) >> 2 | (value & 0x33) << 2);
    return uint8_t((value & 0xAA) >> 1 | (value & 0x55) << 1);
}

uint8_t swap_nibbles(uint8_t value) { return uint8_t(value >> 4 | value << 4); }

std::string size_text(const Bitmap& bitmap)
{
    return std::to_string(bitmap.width) + "x" + std::to_string(bitmap.height);
}

} // namespace

Result<BitmapImage> BitmapImage::wrap(const Bitmap& bitmap, pixman_format_code_t format)
{
    Layout layout = layout_of(bitmap.format);
    uint32_t bits = bits_per_pixel(bitmap.format);
    if (bits == 0)
        return Error { "unknown bitmap format " + std::to_string(unsigned(bitmap.format)) };
    if (bitmap.width == 0 || bitmap.height == 0 || bitmap.width > max_raster_dimension
        || bitmap.height > max_raster_dimension)
        return Error { "bitmap size " + size_text(bitmap) + " out of range" };
    uint64_t row_bytes = (uint64_t(bitmap.width) * bits + 7) / 8;
    if (bitmap.stride < row_bytes)
        return Error { "bitmap stride " + std::to_string(bitmap.stride) + " below its row size" };
    if (bitmap.pixels.size() < uint64_t(bitmap.stride) * (bitmap.height - 1) + row_bytes)
        return Error { "bitmap " + size_text(bitmap) + " has only " + std::to_string(bitmap.pixels.size()) + " bytes" };

    BitmapImage image;
    const uint8_t* source = bitmap.pixels.data();
    bool aligned = bitmap.stride % 4 == 0 && reinterpret_cast<uintptr_t>(source) % 4 == 0;
    uint32_t* bits_pointer;
    size_t stride;
    if (aligned && layout.reorder == Reorder::None) {
        // pixman only reads source images; the const_cast never leads to a write.
        bits_pointer = reinterpret_cast<uint32_t*>(const_cast<uint8_t*>(source));
        stride = bitmap.stride;
    } else {
        stride = (row_bytes + 3) & ~uint64_t(3);
        image.m_pixels.assign(stride / 4 * bitmap.height, 0);
        auto* destination = reinterpret_cast<uint8_t*>(image.m_pixels.data());
        for (uint32_t y = 0; y < bitmap.height; ++y) {
            const uint8_t* from = source + size_t(y) * bitmap.stride;
            uint8_t* to = destination + y * stride;
            switch (layout.reorder) {
            case Reorder::None:
                std::memcpy(to, from, row_bytes);
                break;
            case Reorder::ReverseBits:
                std::transform(from, from + row_bytes, to, reverse_bits);
                break;
            case Reorder::SwapNibbles:
                std::transform(from, from + row_bytes, to, swap_nibbles);
                break;
            }
        }
        bits_pointer = image.m_pixels.data();
    }
    image.m_image.reset(
        pixman_image_create_bits_no_clear(format, int(bitmap.width), int(bitmap.height), bits_pointer, int(stride)));
    if (!image.m_image)
        return Error { "pixman refused a " + size_text(bitmap) + " bitmap" };
    return image;
}

Result<BitmapImage> BitmapImage::create(const Bitmap& bitmap)
{
    BitmapImage image = TRY(wrap(bitmap, layout_of(bitmap.format).format));
    if (has_palette(bitmap.format)) {
        // Palette entries are 0x00RRGGBB colours: opaque, whatever their top byte says.
        image.m_palette = std::make_unique<pixman_indexed_t>();
        image.m_palette->color = true;
        size_t entries = std::min(bitmap.palette.size(), std::size(image.m_palette->rgba));
        for (size_t i = 0; i < entries; ++i)
            image.m_palette->rgba[i] = 0xFF000000u | (bitmap.palette[i] & 0x00FFFFFFu);
        for (size_t i = entries; i < std::size(image.m_palette->rgba); ++i)
            image.m_palette->rgba[i] = 0xFF000000u;
        pixman_image_set_indexed(image.m_image.get(), image.m_palette.get());
    }
    return image;
}

Result<BitmapImage> BitmapImage::create_mask(const Bitmap& bitmap)
{
    if (bitmap.format != BitmapFormat::Palette1Le && bitmap.format != BitmapFormat::Palette1Be)
        return Error { "mask bitmap format " + std::to_string(unsigned(bitmap.format)) + " is not 1-bit" };
    return wrap(bitmap, PIXMAN_a1);
}

} // namespace spicebox
