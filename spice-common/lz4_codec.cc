#include "spice-common/lz4_codec.h"

#include "spice-common/bitmap_image.h"

#include <lz4.h>

#include <algorithm>
#include <memory>

namespace spicebox {

namespace {

// The two header bytes before the blocks.
constexpr size_t header_size = 2;
constexpr size_t block_size_field = 4;
// Rows are compressed in blocks of about this many bytes, as spice-server hands LZ4 its lines a chunk
// at a time; each block may refer back into the earlier ones.
constexpr size_t target_block_bytes = 1 << 20;
// LZ4 cannot expand data by more than this factor, so a payload promising more pixels is a lie and is
// refused before the pixels are allocated.
constexpr uint64_t max_lz4_expansion = 255;

Result<uint32_t> bytes_per_pixel_for_lz4(BitmapFormat format)
{
    switch (format) {
    case BitmapFormat::Rgb555:
        return 2;
    case BitmapFormat::Rgb888:
        return 3;
    case BitmapFormat::Xrgb8888:
    case BitmapFormat::Argb8888:
        return 4;
    default:
        return Error { "LZ4 images carry 16, 24 or 32-bit RGB pixels only" };
    }
}

struct Lz4StreamDeleter {
    void operator()(LZ4_stream_t* stream) const { LZ4_freeStream(stream); }
};

void put_be32(std::vector<uint8_t>& out, size_t at, uint32_t value)
{
    out[at] = uint8_t(value >> 24);
    out[at + 1] = uint8_t(value >> 16);
    out[at + 2] = uint8_t(value >> 8);
    out[at + 3] = uint8_t(value);
}

} // namespace

Result<std::vector<uint8_t>> encode_lz4_image(const Bitmap& bitmap)
{
    uint32_t bytes_per_pixel = TRY(bytes_per_pixel_for_lz4(bitmap.format));
    if (bitmap.width == 0 || bitmap.height == 0 || bitmap.width > max_raster_dimension || bitmap.height > max_raster_dimension)
        return Error { "LZ4: bitmap size out of range" };
    size_t row_bytes = size_t(bitmap.width) * bytes_per_pixel;
    if (bitmap.stride != row_bytes || bitmap.pixels.size() < row_bytes * bitmap.height)
        return Error { "LZ4: bitmap rows do not match its size" };

    std::unique_ptr<LZ4_stream_t, Lz4StreamDeleter> stream(LZ4_createStream());
    if (!stream)
        return Error { "LZ4: out of memory" };

    std::vector<uint8_t> out(header_size);
    out[0] = 1; // Bitmap rows are always top-down.
    out[1] = uint8_t(bitmap.format);

    size_t rows_per_block = std::max<size_t>(1, target_block_bytes / row_bytes);
    for (size_t row = 0; row < bitmap.height; row += rows_per_block) {
        size_t rows = std::min<size_t>(rows_per_block, bitmap.height - row);
        auto input = reinterpret_cast<const char*>(bitmap.pixels.data() + row * row_bytes);
        int input_size = int(rows * row_bytes);
        int bound = LZ4_compressBound(input_size);
        size_t at = out.size();
        out.resize(at + block_size_field + size_t(bound));
        int written = LZ4_compress_fast_continue(stream.get(), input, reinterpret_cast<char*>(out.data() + at + block_size_field),
            input_size, bound, 1);
        if (written <= 0)
            return Error { "LZ4: compression failed" };
        put_be32(out, at, uint32_t(written));
        out.resize(at + block_size_field + size_t(written));
    }
    return out;
}

Result<Bitmap> decode_lz4_image(std::span<const uint8_t> payload, uint32_t width, uint32_t height)
{
    if (width == 0 || height == 0 || width > max_raster_dimension || height > max_raster_dimension)
        return Error { "LZ4: image size out of range" };
    if (payload.size() < header_size)
        return Error { "LZ4: missing header" };
    bool top_down = payload[0] != 0;
    auto format = BitmapFormat(payload[1]);
    uint32_t bytes_per_pixel = TRY(bytes_per_pixel_for_lz4(format));

    size_t row_bytes = size_t(width) * bytes_per_pixel;
    size_t total = row_bytes * height;
    if (total > (payload.size() - header_size) * max_lz4_expansion)
        return Error { "LZ4: payload too small for the image size" };

    Bitmap bitmap;
    bitmap.format = format;
    bitmap.width = width;
    bitmap.height = height;
    bitmap.stride = uint32_t(row_bytes);
    bitmap.pixels.resize(total);

    LZ4_streamDecode_t stream;
    LZ4_setStreamDecode(&stream, nullptr, 0);
    size_t in = header_size;
    size_t decoded = 0;
    while (in < payload.size()) {
        if (payload.size() - in < block_size_field)
            return Error { "LZ4: truncated block size" };
        uint32_t block_size = uint32_t(payload[in]) << 24 | uint32_t(payload[in + 1]) << 16 | uint32_t(payload[in + 2]) << 8 | payload[in + 3];
        in += block_size_field;
        if (block_size == 0 || block_size > LZ4_MAX_INPUT_SIZE || block_size > payload.size() - in || decoded == total)
            return Error { "LZ4: bad block size" };
        int produced = LZ4_decompress_safe_continue(&stream, reinterpret_cast<const char*>(payload.data() + in),
            reinterpret_cast<char*>(bitmap.pixels.data() + decoded), int(block_size), int(total - decoded));
        if (produced <= 0)
            return Error { "LZ4: corrupt block" };
        decoded += size_t(produced);
        in += block_size;
    }
    if (decoded != total)
        return Error { "LZ4: blocks decode to fewer pixels than the image has" };

    if (!top_down) {
        for (size_t top = 0, bottom = height - 1; top < bottom; ++top, --bottom)
            std::swap_ranges(bitmap.pixels.begin() + ptrdiff_t(top * row_bytes), bitmap.pixels.begin() + ptrdiff_t((top + 1) * row_bytes),
                bitmap.pixels.begin() + ptrdiff_t(bottom * row_bytes));
    }
    return bitmap;
}

} // namespace spicebox
