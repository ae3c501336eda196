// GLZ is LZ with two differences that matter here: every image is decoded to 32-bit pixels (the
// dictionary's unit), and a match names an image (by its distance in ids from the current one) and
// an absolute pixel offset in it, or a distance back within the current image.
#include "spice-common/glz_decoder.h"

#include "spice-common/bitmap_image.h"
#include "spice-common/lz_byte_source.h"
#include "spice-common/lz_decoder.h"

#include <spice/enums.h>

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace spicebox {

namespace {

constexpr uint32_t max_literal_run = 32;
// A match's control byte: length (3 bits, 7 = continued in 255-terminated bytes), a long-offset flag
// and the low 4 bits of the pixel offset; then 8 more offset bits; then a byte whose top 2 bits count
// the image distance bytes that follow, with either 6 image distance bits (short offset) or a
// very-long-offset flag and 5 more offset bits (long offset).
constexpr uint32_t length_shift = 5;
constexpr uint32_t length_continued = 7;
constexpr uint8_t extension_byte = 255;
constexpr uint32_t long_offset_flag_shift = 4;
constexpr uint32_t control_offset_bits = 4;
constexpr uint32_t control_offset_mask = (1u << control_offset_bits) - 1;
constexpr uint32_t second_offset_bits = 8;
constexpr uint32_t image_bytes_shift = 6;
constexpr uint32_t short_image_distance_bits = 6;
constexpr uint32_t short_image_distance_mask = (1u << short_image_distance_bits) - 1;
constexpr uint32_t very_long_offset_flag_shift = 5;
constexpr uint32_t third_offset_bits = 5;
constexpr uint32_t third_offset_mask = (1u << third_offset_bits) - 1;
constexpr uint32_t very_long_offset_shift = control_offset_bits + second_offset_bits + third_offset_bits;
constexpr uint32_t image_type_mask = 0x0f;
constexpr uint32_t top_down_shift = 4;
constexpr uint32_t bytes_per_dictionary_pixel = 4;
constexpr uint64_t max_pixels_per_input_byte = 256;
// zlib cannot expand data by more than about 1032:1.
constexpr uint64_t max_zlib_expansion = 1032;

// What a literal unit is and the bias the encoder took off match lengths for it.
enum class Pass {
    Bgr,   // 3 bytes B, G, R into a pixel; no bias
    Rgb16, // 2 bytes (x1r5g5b5, high first) widened into a pixel; bias 1
    Alpha, // 1 byte into a pixel's alpha; bias 2
};

uint32_t widen_5_bits(uint32_t value)
{
    return value << 3 | value >> 2;
}

uint32_t xrgb_from_rgb555(uint16_t pixel)
{
    return widen_5_bits((pixel >> 10) & 0x1f) << 16 | widen_5_bits((pixel >> 5) & 0x1f) << 8 | widen_5_bits(pixel & 0x1f);
}

constexpr uint32_t alpha_shift = 24;
constexpr uint32_t alpha_mask = 0xffu << alpha_shift;

Result<uint32_t> literal(LzByteSource& in, Pass pass, uint32_t pixel)
{
    switch (pass) {
    case Pass::Bgr: {
        uint32_t blue = TRY(in.u8());
        uint32_t green = TRY(in.u8());
        uint32_t red = TRY(in.u8());
        return red << 16 | green << 8 | blue;
    }
    case Pass::Rgb16: {
        uint32_t high = TRY(in.u8());
        uint32_t low = TRY(in.u8());
        return xrgb_from_rgb555(uint16_t(high << 8 | low));
    }
    case Pass::Alpha:
        return (pixel & ~alpha_mask) | uint32_t(TRY(in.u8())) << alpha_shift;
    }
    return pixel;
}

Result<void> decode_pass(LzByteSource& in, std::span<uint32_t> out, Pass pass, uint64_t image_id, const GlzDictionary& dictionary)
{
    const uint32_t bias = pass == Pass::Bgr ? 0 : pass == Pass::Rgb16 ? 1 : 2;
    size_t at = 0;
    while (at < out.size()) {
        uint32_t ctrl = TRY(in.u8());
        if (ctrl < max_literal_run) {
            size_t count = ctrl + 1;
            if (count > out.size() - at)
                return Error { "GLZ: literal run past the end of the image" };
            for (size_t i = 0; i < count; ++i, ++at)
                out[at] = TRY(literal(in, pass, out[at]));
            continue;
        }

        uint64_t length = ctrl >> length_shift;
        bool long_offset = (ctrl >> long_offset_flag_shift) & 1;
        uint64_t pixel_offset = ctrl & control_offset_mask;
        if (length == length_continued) {
            uint8_t code;
            do {
                code = TRY(in.u8());
                length += code;
            } while (code == extension_byte && length <= out.size());
        }
        pixel_offset += uint64_t(TRY(in.u8())) << control_offset_bits;
        uint8_t code = TRY(in.u8());
        uint32_t image_bytes = code >> image_bytes_shift;
        uint64_t image_distance = 0;
        if (!long_offset) {
            image_distance = code & short_image_distance_mask;
            for (uint32_t i = 0; i < image_bytes; ++i)
                image_distance += uint64_t(TRY(in.u8())) << (short_image_distance_bits + 8 * i);
        } else {
            bool very_long_offset = (code >> very_long_offset_flag_shift) & 1;
            pixel_offset += uint64_t(code & third_offset_mask) << (control_offset_bits + second_offset_bits);
            for (uint32_t i = 0; i < image_bytes; ++i)
                image_distance += uint64_t(TRY(in.u8())) << (8 * i);
            if (very_long_offset)
                pixel_offset += uint64_t(TRY(in.u8())) << very_long_offset_shift;
        }
        length += bias;
        if (length > out.size() - at)
            return Error { "GLZ: reference past the end of the image" };

        const uint32_t* source;
        if (image_distance == 0) {
            pixel_offset += 1;
            if (pixel_offset > at)
                return Error { "GLZ: reference before the start of the image" };
            source = out.data() + (at - pixel_offset);
        } else {
            if (image_distance > image_id)
                return Error { "GLZ: reference to an image before the first" };
            const auto* entry = dictionary.find(image_id - image_distance);
            if (!entry)
                return Error { "GLZ: reference to an image not in the dictionary" };
            if (pixel_offset > entry->pixels.size() || length > entry->pixels.size() - pixel_offset)
                return Error { "GLZ: reference past the end of an earlier image" };
            source = entry->pixels.data() + pixel_offset;
        }
        // Pixel by pixel and forwards: a match in the current image may overlap what it produces.
        for (size_t i = 0; i < length; ++i, ++at) {
            uint32_t pixel = source[i];
            out[at] = pass == Pass::Alpha ? (out[at] & ~alpha_mask) | (pixel & alpha_mask) : pixel;
        }
    }
    return {};
}

} // namespace

GlzDictionary::GlzDictionary(size_t window_size_bytes) : m_window_size_bytes(window_size_bytes) { }

const GlzDictionary::Entry* GlzDictionary::find(uint64_t id) const
{
    auto it = m_entries.find(id);
    return it == m_entries.end() ? nullptr : &it->second;
}

void GlzDictionary::drop(std::map<uint64_t, Entry>::iterator it)
{
    m_size_bytes -= it->second.pixels.size() * bytes_per_dictionary_pixel;
    m_entries.erase(it);
}

void GlzDictionary::add(Entry entry)
{
    uint64_t id = entry.id;
    if (auto it = m_entries.find(id); it != m_entries.end())
        drop(it);
    m_size_bytes += entry.pixels.size() * bytes_per_dictionary_pixel;
    m_entries.emplace(id, std::move(entry));

    if (!m_contiguous_end)
        m_contiguous_end = id;
    while (m_entries.contains(*m_contiguous_end))
        ++*m_contiguous_end;
    if (*m_contiguous_end > 0) {
        if (const auto* newest = find(*m_contiguous_end - 1)) {
            uint64_t oldest_needed = newest->id - std::min<uint64_t>(newest->id, newest->win_head_dist);
            while (!m_entries.empty() && m_entries.begin()->first < oldest_needed)
                drop(m_entries.begin());
        }
    }
    while (m_size_bytes > m_window_size_bytes && m_entries.size() > 1)
        drop(m_entries.begin());
}

void GlzDictionary::clear()
{
    m_entries.clear();
    m_size_bytes = 0;
    m_contiguous_end.reset();
}

Result<Bitmap> decode_glz(std::span<const uint8_t> payload, GlzDictionary& dictionary)
{
    LzByteSource in(payload, "GLZ");
    if (TRY(in.be32()) != lz_magic)
        return Error { "GLZ: bad magic" };
    if (TRY(in.be32()) != lz_version)
        return Error { "GLZ: unsupported version" };
    uint8_t type_byte = TRY(in.u8());
    auto type = LzImageType(type_byte & image_type_mask);
    bool top_down = (type_byte >> top_down_shift) != 0;
    uint32_t width = TRY(in.be32());
    uint32_t height = TRY(in.be32());
    TRY(in.be32()); // the stride: GLZ's RGB pixels are counted by width alone
    uint64_t id = TRY(in.be64());
    uint32_t win_head_dist = TRY(in.be32());

    if (width == 0 || height == 0 || width > max_raster_dimension || height > max_raster_dimension)
        return Error { "GLZ: image size out of range" };
    uint64_t pixel_count = uint64_t(width) * height;
    if (pixel_count > (payload.size() + 1) * max_pixels_per_input_byte)
        return Error { "GLZ: payload too small for the image size" };

    GlzDictionary::Entry entry;
    entry.id = id;
    entry.win_head_dist = win_head_dist;
    entry.pixels.resize(size_t(pixel_count));
    switch (type) {
    case LzImageType::Rgb16:
        TRY(decode_pass(in, entry.pixels, Pass::Rgb16, id, dictionary));
        break;
    case LzImageType::Rgb24:
    case LzImageType::Rgb32:
        TRY(decode_pass(in, entry.pixels, Pass::Bgr, id, dictionary));
        break;
    case LzImageType::Rgba:
        TRY(decode_pass(in, entry.pixels, Pass::Bgr, id, dictionary));
        TRY(decode_pass(in, entry.pixels, Pass::Alpha, id, dictionary));
        break;
    default:
        return Error { "GLZ: image type not used by GLZ" };
    }

    Bitmap bitmap;
    bitmap.format = type == LzImageType::Rgba ? BitmapFormat::Argb8888 : BitmapFormat::Xrgb8888;
    bitmap.width = width;
    bitmap.height = height;
    bitmap.stride = width * bytes_per_dictionary_pixel;
    bitmap.pixels.resize(size_t(pixel_count) * bytes_per_dictionary_pixel);
    for (uint32_t row = 0; row < height; ++row) {
        uint32_t source_row = top_down ? row : height - 1 - row;
        std::memcpy(bitmap.pixels.data() + size_t(row) * bitmap.stride, entry.pixels.data() + size_t(source_row) * width, bitmap.stride);
    }
    dictionary.add(std::move(entry));
    return bitmap;
}

Result<Bitmap> decode_zlib_glz(std::span<const uint8_t> payload, GlzDictionary& dictionary)
{
    constexpr size_t header_size = 8;
    if (payload.size() < header_size)
        return Error { "ZLIB_GLZ: missing header" };
    uint32_t glz_size;
    uint32_t zlib_size;
    std::memcpy(&glz_size, payload.data(), sizeof glz_size);
    std::memcpy(&zlib_size, payload.data() + 4, sizeof zlib_size);
    if (zlib_size == 0 || zlib_size > payload.size() - header_size)
        return Error { "ZLIB_GLZ: compressed size out of range" };
    if (glz_size == 0 || glz_size > uint64_t(zlib_size) * max_zlib_expansion)
        return Error { "ZLIB_GLZ: GLZ size out of range" };

    std::vector<uint8_t> glz(glz_size);
    uLongf inflated = glz_size;
    uLong consumed = zlib_size;
    int status = uncompress2(glz.data(), &inflated, payload.data() + header_size, &consumed);
    if (status != Z_OK || inflated != glz_size)
        return Error { "ZLIB_GLZ: corrupt zlib stream" };
    return decode_glz(glz, dictionary);
}

} // namespace spicebox
