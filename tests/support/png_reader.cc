#include "tests/support/png_reader.h"

#include "spice-common/png_format.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <vector>
#include <zlib.h>

namespace spicebox::test {

namespace {

uint32_t read_u32(std::span<const uint8_t> bytes)
{
    return uint32_t(bytes[0]) << 24 | uint32_t(bytes[1]) << 16 | uint32_t(bytes[2]) << 8 | uint32_t(bytes[3]);
}

std::string type_name(uint32_t type)
{
    std::string name;
    for (int shift = 24; shift >= 0; shift -= 8) {
        char c = char(type >> shift);
        name += (c >= 0x20 && c < 0x7F) ? c : '?';
    }
    return name;
}

struct Header {
    uint32_t width;
    uint32_t height;
};

Result<Header> parse_header(std::span<const uint8_t> data)
{
    if (data.size() != png::kIhdrLength)
        return Error { "IHDR is " + std::to_string(data.size()) + " bytes, not 13" };
    Header header { read_u32(data.subspan(0, 4)), read_u32(data.subspan(4, 4)) };
    if (header.width == 0 || header.height == 0 || header.width > png::kMaxDimension || header.height > png::kMaxDimension)
        return Error { "bad image size " + std::to_string(header.width) + "x" + std::to_string(header.height) };
    if (uint64_t(header.width) * header.height > kMaxPngPixels)
        return Error { "image of " + std::to_string(header.width) + "x" + std::to_string(header.height) + " is too large" };
    if (data[8] != png::kBitDepth8 || data[9] != uint8_t(png::ColourType::Rgb))
        return Error { "unsupported bit depth " + std::to_string(data[8]) + " / colour type " + std::to_string(data[9])
            + " (only 8-bit RGB)" };
    if (data[10] != png::kCompressionDeflate || data[11] != png::kFilterMethodAdaptive)
        return Error { "unknown compression or filter method" };
    if (data[12] != png::kInterlaceNone)
        return Error { "interlaced images are not supported" };
    return header;
}

Result<std::vector<uint8_t>> inflate_exactly(std::span<const uint8_t> compressed, size_t expected_size)
{
    // zlib counts in 32 bits: the output is bounded by kMaxPngPixels, the input is checked here.
    static_assert(kMaxPngPixels * (png::kRgbBytesPerPixel + 1) < UINT32_MAX);
    if (compressed.size() > UINT32_MAX)
        return Error { "the image data is larger than 4 GiB" };
    // One spare output byte, so that surplus data shows instead of stopping at a full buffer.
    std::vector<uint8_t> out(expected_size + 1);
    z_stream stream {};
    if (inflateInit(&stream) != Z_OK)
        return Error { "zlib inflateInit failed" };
    stream.next_in = const_cast<Bytef*>(compressed.data());
    stream.avail_in = uInt(compressed.size());
    stream.next_out = out.data();
    stream.avail_out = uInt(out.size());
    int status = inflate(&stream, Z_FINISH);
    size_t produced = out.size() - stream.avail_out;
    std::string message = stream.msg ? stream.msg : zError(status);
    inflateEnd(&stream);

    if (produced > expected_size)
        return Error { "the image data holds more than the " + std::to_string(expected_size) + " bytes its size implies" };
    if (status == Z_STREAM_END || status == Z_BUF_ERROR) {
        if (status == Z_STREAM_END && produced == expected_size) {
            out.resize(expected_size);
            return out;
        }
        return Error { "the image data ends after " + std::to_string(produced) + " of " + std::to_string(expected_size) + " bytes" };
    }
    return Error { "corrupt image data (zlib: " + message + ")" };
}

uint8_t paeth(uint8_t left, uint8_t above, uint8_t upper_left)
{
    int estimate = int(left) + int(above) - int(upper_left);
    int to_left = std::abs(estimate - int(left));
    int to_above = std::abs(estimate - int(above));
    int to_upper_left = std::abs(estimate - int(upper_left));
    if (to_left <= to_above && to_left <= to_upper_left)
        return left;
    if (to_above <= to_upper_left)
        return above;
    return upper_left;
}

// Undoes each scanline's filter in place; `data` is height rows of a filter byte and `stride` bytes.
Result<void> unfilter(std::vector<uint8_t>& data, uint32_t height, size_t stride)
{
    constexpr size_t bpp = png::kRgbBytesPerPixel;
    const uint8_t* previous = nullptr;
    for (uint32_t y = 0; y < height; ++y) {
        uint8_t* line = data.data() + size_t(y) * (stride + 1);
        uint8_t filter = line[0];
        uint8_t* row = line + 1;
        for (size_t i = 0; i < stride; ++i) {
            uint8_t left = i >= bpp ? row[i - bpp] : 0;
            uint8_t above = previous ? previous[i] : 0;
            uint8_t upper_left = previous && i >= bpp ? previous[i - bpp] : 0;
            switch (png::FilterType(filter)) {
            case png::FilterType::None:
                break;
            case png::FilterType::Sub:
                row[i] = uint8_t(row[i] + left);
                break;
            case png::FilterType::Up:
                row[i] = uint8_t(row[i] + above);
                break;
            case png::FilterType::Average:
                row[i] = uint8_t(row[i] + (unsigned(left) + above) / 2);
                break;
            case png::FilterType::Paeth:
                row[i] = uint8_t(row[i] + paeth(left, above, upper_left));
                break;
            default:
                return Error { "scanline " + std::to_string(y) + " has unknown filter type " + std::to_string(filter) };
            }
        }
        previous = row;
    }
    return {};
}

} // namespace

Result<Framebuffer> decode_png(std::span<const uint8_t> file)
{
    if (file.size() < png::kSignature.size() || !std::equal(png::kSignature.begin(), png::kSignature.end(), file.begin()))
        return Error { "not a PNG file (bad signature)" };
    std::span<const uint8_t> rest = file.subspan(png::kSignature.size());

    std::optional<Header> header;
    std::vector<uint8_t> image_data;
    enum class DataState { Before, Inside, After } data_state = DataState::Before;
    bool ended = false;
    while (!ended) {
        if (rest.size() < png::kChunkOverhead)
            return Error { "truncated: " + std::to_string(rest.size()) + " bytes where a chunk should start" };
        uint32_t length = read_u32(rest.subspan(0, 4));
        uint32_t type = read_u32(rest.subspan(4, 4));
        if (length > png::kMaxChunkLength || length > rest.size() - png::kChunkOverhead)
            return Error { "truncated: chunk " + type_name(type) + " claims " + std::to_string(length) + " bytes, "
                + std::to_string(rest.size() - png::kChunkOverhead) + " remain" };
        auto data = rest.subspan(8, length);
        uint32_t stored_crc = read_u32(rest.subspan(8 + length, 4));
        uint32_t crc = uint32_t(crc32(0, rest.data() + 4, uInt(4 + length)));
        if (crc != stored_crc)
            return Error { "chunk " + type_name(type) + " fails its CRC" };
        rest = rest.subspan(png::kChunkOverhead + length);

        if (!header && type != uint32_t(png::ChunkType::Ihdr))
            return Error { "the first chunk is " + type_name(type) + ", not IHDR" };
        if (data_state == DataState::Inside && type != uint32_t(png::ChunkType::Idat))
            data_state = DataState::After;
        switch (png::ChunkType(type)) {
        case png::ChunkType::Ihdr:
            if (header)
                return Error { "more than one IHDR" };
            header = TRY(parse_header(data));
            break;
        case png::ChunkType::Idat:
            if (data_state == DataState::After)
                return Error { "IDAT chunks are not consecutive" };
            data_state = DataState::Inside;
            image_data.insert(image_data.end(), data.begin(), data.end());
            break;
        case png::ChunkType::Iend:
            if (length != 0)
                return Error { "IEND carries data" };
            ended = true;
            break;
        default:
            if (!(type & png::kAncillaryBit))
                return Error { "unknown critical chunk " + type_name(type) };
            break;
        }
    }
    if (!rest.empty())
        return Error { std::to_string(rest.size()) + " bytes follow IEND" };
    if (data_state == DataState::Before)
        return Error { "no IDAT chunk" };

    size_t stride = size_t(header->width) * png::kRgbBytesPerPixel;
    auto raw = TRY(inflate_exactly(image_data, size_t(header->height) * (stride + 1)));
    TRY(unfilter(raw, header->height, stride));

    Framebuffer framebuffer;
    framebuffer.resize(header->width, header->height);
    for (uint32_t y = 0; y < header->height; ++y) {
        const uint8_t* row = raw.data() + size_t(y) * (stride + 1) + 1;
        uint32_t* pixels = framebuffer.row(y);
        for (uint32_t x = 0; x < header->width; ++x, row += png::kRgbBytesPerPixel)
            pixels[x] = uint32_t(row[0]) << 16 | uint32_t(row[1]) << 8 | row[2];
    }
    return framebuffer;
}

Result<Framebuffer> read_png(const std::string& path)
{
    std::ifstream stream(path, std::ios::binary);
    if (!stream)
        return Error { "cannot open " + path };
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
    if (stream.bad())
        return Error { "cannot read " + path };
    auto framebuffer = decode_png(bytes);
    if (!framebuffer)
        return wrap_error(path, framebuffer.error());
    return framebuffer;
}

} // namespace spicebox::test
