#include "tests/support/xwd_reader.h"

#include "tests/support/png_reader.h"

#include <array>
#include <bit>
#include <fstream>
#include <iterator>
#include <vector>

namespace spicebox::test {

namespace {

// XWDFileHeader (X11/XWDFile.h): 25 big-endian 32-bit fields, then the window name up to header_size,
// then `ncolors` 12-byte XWDColor entries, then the pixels.
enum class Field : size_t {
    HeaderSize,
    FileVersion,
    PixmapFormat,
    PixmapDepth,
    PixmapWidth,
    PixmapHeight,
    XOffset,
    ByteOrder,
    BitmapUnit,
    BitmapBitOrder,
    BitmapPad,
    BitsPerPixel,
    BytesPerLine,
    VisualClass,
    RedMask,
    GreenMask,
    BlueMask,
    BitsPerRgb,
    ColormapEntries,
    ColorCount,
    Count = 25,
};

constexpr uint32_t kFileVersion = 7;
constexpr uint32_t kZPixmap = 2;
constexpr uint32_t kLsbFirst = 0;
constexpr uint32_t kTrueColor = 4;
constexpr uint32_t kDirectColor = 5;
constexpr size_t kHeaderBytes = size_t(Field::Count) * 4;
constexpr size_t kColorEntryBytes = 12;

uint32_t big_endian_u32(std::span<const uint8_t> bytes, size_t at)
{
    return uint32_t(bytes[at]) << 24 | uint32_t(bytes[at + 1]) << 16 | uint32_t(bytes[at + 2]) << 8 | bytes[at + 3];
}

// The 8 bits a channel mask selects, as 0..255; false unless the mask is 8 contiguous bits.
bool channel_shift(uint32_t mask, unsigned& shift)
{
    if (mask == 0)
        return false;
    shift = unsigned(std::countr_zero(mask));
    return (mask >> shift) == 0xFF;
}

}

Result<Framebuffer> decode_xwd(std::span<const uint8_t> file)
{
    if (file.size() < kHeaderBytes)
        return Error { "XWD file of " + std::to_string(file.size()) + " bytes is shorter than its header" };
    std::array<uint32_t, size_t(Field::Count)> header {};
    for (size_t i = 0; i < header.size(); ++i)
        header[i] = big_endian_u32(file, i * 4);
    auto field = [&](Field name) { return header[size_t(name)]; };
    if (field(Field::FileVersion) != kFileVersion)
        return Error { "XWD file version " + std::to_string(field(Field::FileVersion)) + ", only 7 is read" };
    if (field(Field::PixmapFormat) != kZPixmap || field(Field::PixmapDepth) != 24)
        return Error { "XWD pixmap format " + std::to_string(field(Field::PixmapFormat)) + " depth " + std::to_string(field(Field::PixmapDepth))
            + ": only ZPixmap of depth 24 is read" };
    if (field(Field::VisualClass) != kTrueColor && field(Field::VisualClass) != kDirectColor)
        return Error { "XWD visual class " + std::to_string(field(Field::VisualClass)) + ": only TrueColor and DirectColor are read" };
    uint32_t bits = field(Field::BitsPerPixel);
    if (bits != 24 && bits != 32)
        return Error { "XWD with " + std::to_string(bits) + " bits per pixel: only 24 and 32 are read" };
    std::array<unsigned, 3> shifts {};
    if (!channel_shift(field(Field::RedMask), shifts[0]) || !channel_shift(field(Field::GreenMask), shifts[1])
        || !channel_shift(field(Field::BlueMask), shifts[2]))
        return Error { "XWD channel masks are not 8 contiguous bits each" };
    uint64_t width = field(Field::PixmapWidth);
    uint64_t height = field(Field::PixmapHeight);
    uint64_t bytes_per_pixel = bits / 8;
    uint64_t stride = field(Field::BytesPerLine);
    if (width == 0 || height == 0 || width * height > kMaxPngPixels)
        return Error { "XWD size " + std::to_string(width) + "x" + std::to_string(height) + " is out of range" };
    if (stride < width * bytes_per_pixel)
        return Error { "XWD line of " + std::to_string(stride) + " bytes is too short for " + std::to_string(width) + " pixels" };
    uint64_t pixels_at = uint64_t(field(Field::HeaderSize)) + uint64_t(field(Field::ColorCount)) * kColorEntryBytes;
    if (field(Field::HeaderSize) < kHeaderBytes || pixels_at > file.size() || (file.size() - pixels_at) / stride < height)
        return Error { "XWD file of " + std::to_string(file.size()) + " bytes is too short for its header, colours and "
            + std::to_string(height) + " lines of " + std::to_string(stride) + " bytes" };
    bool lsb_first = field(Field::ByteOrder) == kLsbFirst;
    Framebuffer screen;
    screen.resize(uint32_t(width), uint32_t(height));
    for (uint32_t y = 0; y < screen.height; ++y) {
        const uint8_t* line = file.data() + pixels_at + y * stride;
        uint32_t* out = screen.row(y);
        for (uint32_t x = 0; x < screen.width; ++x) {
            const uint8_t* bytes = line + x * bytes_per_pixel;
            uint32_t value = 0;
            for (uint64_t i = 0; i < bytes_per_pixel; ++i)
                value |= uint32_t(lsb_first ? bytes[i] : bytes[bytes_per_pixel - 1 - i]) << (8 * i);
            out[x] = (value >> shifts[0] & 0xFF) << 16 | (value >> shifts[1] & 0xFF) << 8 | (value >> shifts[2] & 0xFF);
        }
    }
    return screen;
}

Result<Framebuffer> read_xwd(const std::string& path)
{
    std::ifstream stream(path, std::ios::binary);
    if (!stream)
        return Error { "cannot read " + path };
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
    auto decoded = decode_xwd(bytes);
    if (!decoded)
        return wrap_error(path, decoded.error());
    return decoded;
}

} // namespace spicebox::test
