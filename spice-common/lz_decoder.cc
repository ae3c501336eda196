// The stream after the header is a sequence of control bytes: below 32, a run of ctrl + 1 literal
// units follows; otherwise the top three bits (extended by 255-continued bytes) give a length and the
// rest (plus one or three more bytes for far matches) a distance back into what was already decoded.
// A unit is a pixel for RGB types and a byte for palettised and alpha planes.
#include "spice-common/lz_decoder.h"

#include "spice-common/bitmap_image.h"
#include "spice-common/lz_byte_source.h"

#include <algorithm>

namespace spicebox {

namespace {

constexpr uint32_t max_literal_run = 32;
// A match's control byte: length + 1 (3 bits; 7 = more length bytes follow) and the distance's top
// 5 bits; then its low 8 bits. Top bits 31 with low byte 255 mark a far distance in two more bytes.
constexpr uint32_t length_shift = 5;
constexpr uint32_t length_continued = 7;
constexpr uint8_t extension_byte = 255;
constexpr uint32_t distance_high_mask = 31;
constexpr uint32_t near_distance_limit = 8191;
constexpr uint32_t far_distance_marker = distance_high_mask << 8;
// Every input byte yields at most 255 units, so a header promising more than this per byte is refused
// before its pixels are allocated.
constexpr uint64_t max_units_per_input_byte = 256;

// How literal units are stored, and the bias the encoder took off match lengths for that unit.
enum class UnitKind {
    Bgr,   // 3 literal bytes B, G, R into a 4-byte pixel (pad 0); length bias 1
    Rgb16, // 2 literal bytes, high first, into a little-endian 16-bit pixel; length bias 2
    Byte,  // 1 literal byte; length bias 3
};

constexpr uint32_t unit_size(UnitKind kind)
{
    switch (kind) {
    case UnitKind::Bgr:
        return 4;
    case UnitKind::Rgb16:
        return 2;
    case UnitKind::Byte:
        return 1;
    }
    return 1;
}

constexpr uint32_t length_bias(UnitKind kind)
{
    switch (kind) {
    case UnitKind::Bgr:
        return 1;
    case UnitKind::Rgb16:
        return 2;
    case UnitKind::Byte:
        return 3;
    }
    return 0;
}

// Decodes units until `out` (a whole number of units) is full.
Result<void> decode_units(LzByteSource& in, std::span<uint8_t> out, UnitKind kind)
{
    const size_t size = unit_size(kind);
    size_t at = 0;
    while (at < out.size()) {
        uint32_t ctrl = TRY(in.u8());
        if (ctrl < max_literal_run) {
            size_t count = ctrl + 1;
            if (count * size > out.size() - at)
                return Error { "LZ: literal run past the end of the image" };
            for (size_t i = 0; i < count; ++i, at += size) {
                switch (kind) {
                case UnitKind::Bgr:
                    out[at] = TRY(in.u8());
                    out[at + 1] = TRY(in.u8());
                    out[at + 2] = TRY(in.u8());
                    out[at + 3] = 0;
                    break;
                case UnitKind::Rgb16:
                    out[at + 1] = TRY(in.u8());
                    out[at] = TRY(in.u8());
                    break;
                case UnitKind::Byte:
                    out[at] = TRY(in.u8());
                    break;
                }
            }
            continue;
        }

        uint64_t length = (ctrl >> length_shift) - 1;
        if (length == length_continued - 1) {
            uint8_t code;
            do {
                code = TRY(in.u8());
                length += code;
            } while (code == extension_byte && length <= out.size());
        }
        uint32_t distance = (ctrl & distance_high_mask) << 8;
        uint8_t code = TRY(in.u8());
        distance += code;
        if (code == extension_byte && distance - code == far_distance_marker) {
            distance = uint32_t(TRY(in.u8())) << 8;
            distance += TRY(in.u8());
            distance += near_distance_limit;
        }
        length += length_bias(kind);
        distance += 1;

        size_t back = size_t(distance) * size;
        if (back > at)
            return Error { "LZ: reference before the start of the image" };
        if (length > (out.size() - at) / size)
            return Error { "LZ: reference past the end of the image" };
        // Byte by byte and forwards: a match may overlap what it is producing (runs).
        for (size_t i = 0, bytes = size_t(length) * size; i < bytes; ++i, ++at)
            out[at] = out[at - back];
    }
    return {};
}

void flip_rows(std::vector<uint8_t>& pixels, size_t row_bytes, uint32_t height)
{
    for (size_t top = 0, bottom = height - 1; top < bottom; ++top, --bottom)
        std::swap_ranges(pixels.begin() + ptrdiff_t(top * row_bytes), pixels.begin() + ptrdiff_t((top + 1) * row_bytes),
            pixels.begin() + ptrdiff_t(bottom * row_bytes));
}

struct TypeLayout {
    BitmapFormat format;
    uint32_t stream_bytes_per_pixel; // what the header's stride counts for RGB types; 0 when palettised
};

Result<TypeLayout> layout_of(LzImageType type)
{
    switch (type) {
    case LzImageType::Plt1Le:
        return TypeLayout { BitmapFormat::Palette1Le, 0 };
    case LzImageType::Plt1Be:
        return TypeLayout { BitmapFormat::Palette1Be, 0 };
    case LzImageType::Plt4Le:
        return TypeLayout { BitmapFormat::Palette4Le, 0 };
    case LzImageType::Plt4Be:
        return TypeLayout { BitmapFormat::Palette4Be, 0 };
    case LzImageType::Plt8:
        return TypeLayout { BitmapFormat::Palette8, 0 };
    case LzImageType::Rgb16:
        return TypeLayout { BitmapFormat::Rgb555, 2 };
    case LzImageType::Rgb24:
        return TypeLayout { BitmapFormat::Xrgb8888, 3 };
    case LzImageType::Rgb32:
        return TypeLayout { BitmapFormat::Xrgb8888, 4 };
    case LzImageType::Rgba:
        return TypeLayout { BitmapFormat::Argb8888, 4 };
    case LzImageType::Xxxa:
        return TypeLayout { BitmapFormat::A8, 4 };
    case LzImageType::A8:
        return TypeLayout { BitmapFormat::A8, 1 };
    case LzImageType::Invalid:
        break;
    }
    return Error { "LZ: unknown image type" };
}

} // namespace

Result<Bitmap> decode_lz(std::span<const uint8_t> payload, std::span<const uint32_t> palette)
{
    LzByteSource in(payload, "LZ");
    if (TRY(in.be32()) != lz_magic)
        return Error { "LZ: bad magic" };
    if (TRY(in.be32()) != lz_version)
        return Error { "LZ: unsupported version" };
    auto type = LzImageType(TRY(in.be32()));
    TypeLayout layout = TRY(layout_of(type));
    uint32_t width = TRY(in.be32());
    uint32_t height = TRY(in.be32());
    uint32_t stride = TRY(in.be32());
    bool top_down = TRY(in.be32()) != 0;

    if (width == 0 || height == 0 || width > max_raster_dimension || height > max_raster_dimension)
        return Error { "LZ: image size out of range" };
    uint32_t tight_stride = uint32_t((uint64_t(width) * bits_per_pixel(layout.format) + 7) / 8);
    uint32_t expected_stride = layout.stream_bytes_per_pixel ? width * layout.stream_bytes_per_pixel : tight_stride;
    if (stride != expected_stride)
        return Error { "LZ: stride does not match the width" };

    Bitmap bitmap;
    bitmap.format = layout.format;
    bitmap.width = width;
    bitmap.height = height;
    bitmap.stride = tight_stride;
    uint64_t units = layout.stream_bytes_per_pixel ? uint64_t(width) * height : uint64_t(stride) * height;
    if (units > (payload.size() + 1) * max_units_per_input_byte)
        return Error { "LZ: payload too small for the image size" };
    size_t pixel_count = size_t(width) * height;

    switch (type) {
    case LzImageType::Rgb16:
        bitmap.pixels.resize(pixel_count * 2);
        TRY(decode_units(in, bitmap.pixels, UnitKind::Rgb16));
        break;
    case LzImageType::Rgb24:
    case LzImageType::Rgb32:
        bitmap.pixels.resize(pixel_count * 4);
        TRY(decode_units(in, bitmap.pixels, UnitKind::Bgr));
        break;
    case LzImageType::Rgba: {
        // The colour pass over all pixels, then the alpha bytes as a second pass of their own.
        bitmap.pixels.resize(pixel_count * 4);
        TRY(decode_units(in, bitmap.pixels, UnitKind::Bgr));
        std::vector<uint8_t> alpha(pixel_count);
        TRY(decode_units(in, alpha, UnitKind::Byte));
        for (size_t i = 0; i < pixel_count; ++i)
            bitmap.pixels[i * 4 + 3] = alpha[i];
        break;
    }
    case LzImageType::Xxxa:
    case LzImageType::A8:
    case LzImageType::Plt1Le:
    case LzImageType::Plt1Be:
    case LzImageType::Plt4Le:
    case LzImageType::Plt4Be:
    case LzImageType::Plt8:
        bitmap.pixels.resize(size_t(tight_stride) * height);
        TRY(decode_units(in, bitmap.pixels, UnitKind::Byte));
        break;
    case LzImageType::Invalid:
        return Error { "LZ: unknown image type" };
    }

    if (has_palette(bitmap.format)) {
        bitmap.palette.assign(size_t(1) << bits_per_pixel(bitmap.format), 0);
        std::copy_n(palette.begin(), std::min(palette.size(), bitmap.palette.size()), bitmap.palette.begin());
    }
    if (!top_down)
        flip_rows(bitmap.pixels, bitmap.stride, height);
    return bitmap;
}

} // namespace spicebox
