#include "spice-common/png_writer.h"

#include "spice-common/png_format.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <span>
#include <unistd.h>
#include <zlib.h>

namespace spicebox {

namespace {

void append_u32(std::vector<uint8_t>& out, uint32_t value)
{
    out.push_back(uint8_t(value >> 24));
    out.push_back(uint8_t(value >> 16));
    out.push_back(uint8_t(value >> 8));
    out.push_back(uint8_t(value));
}

void append_chunk(std::vector<uint8_t>& out, png::ChunkType type, std::span<const uint8_t> data)
{
    append_u32(out, uint32_t(data.size()));
    size_t crc_start = out.size();
    append_u32(out, uint32_t(type));
    out.insert(out.end(), data.begin(), data.end());
    // zlib's crc32 takes a 32-bit length (uInt); a chunk is at most 2^31 - 1 bytes plus its type.
    uLong crc = crc32(0, out.data() + crc_start, uInt(out.size() - crc_start));
    append_u32(out, uint32_t(crc));
}

// Every scanline with filter None: screenshots are flat colours and text, which deflate already
// compresses well, and the files are small either way.
std::vector<uint8_t> scanlines(const Framebuffer& framebuffer)
{
    std::vector<uint8_t> raw;
    raw.reserve(size_t(framebuffer.height) * (1 + size_t(framebuffer.width) * png::kRgbBytesPerPixel));
    for (uint32_t y = 0; y < framebuffer.height; ++y) {
        raw.push_back(uint8_t(png::FilterType::None));
        const uint32_t* row = framebuffer.row(y);
        for (uint32_t x = 0; x < framebuffer.width; ++x) {
            raw.push_back(uint8_t(row[x] >> 16));
            raw.push_back(uint8_t(row[x] >> 8));
            raw.push_back(uint8_t(row[x]));
        }
    }
    return raw;
}

Result<std::vector<uint8_t>> deflate_all(const std::vector<uint8_t>& raw)
{
    std::vector<uint8_t> compressed(compressBound(uLong(raw.size())));
    uLongf compressed_size = uLongf(compressed.size());
    int status = compress2(compressed.data(), &compressed_size, raw.data(), uLong(raw.size()), Z_DEFAULT_COMPRESSION);
    if (status != Z_OK)
        return Error { std::string("zlib compression failed: ") + zError(status) };
    compressed.resize(compressed_size);
    return compressed;
}

Result<void> write_all(int fd, std::span<const uint8_t> bytes)
{
    while (!bytes.empty()) {
        ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return Error { std::strerror(errno) };
        }
        bytes = bytes.subspan(size_t(written));
    }
    return {};
}

} // namespace

Result<std::vector<uint8_t>> encode_png(const Framebuffer& framebuffer)
{
    if (framebuffer.width == 0 || framebuffer.height == 0)
        return Error { "a " + std::to_string(framebuffer.width) + "x" + std::to_string(framebuffer.height)
            + " image cannot be a PNG (both sides must be at least 1)" };
    if (framebuffer.width > png::kMaxDimension || framebuffer.height > png::kMaxDimension)
        return Error { "the image is larger than PNG's 2^31-1 pixels a side" };
    if (framebuffer.pixels.size() != size_t(framebuffer.width) * framebuffer.height)
        return Error { "the framebuffer holds " + std::to_string(framebuffer.pixels.size()) + " pixels, not "
            + std::to_string(framebuffer.width) + "x" + std::to_string(framebuffer.height) };

    std::vector<uint8_t> header;
    append_u32(header, framebuffer.width);
    append_u32(header, framebuffer.height);
    header.push_back(png::kBitDepth8);
    header.push_back(uint8_t(png::ColourType::Rgb));
    header.push_back(png::kCompressionDeflate);
    header.push_back(png::kFilterMethodAdaptive);
    header.push_back(png::kInterlaceNone);

    auto compressed = TRY(deflate_all(scanlines(framebuffer)));

    std::vector<uint8_t> file(png::kSignature.begin(), png::kSignature.end());
    append_chunk(file, png::ChunkType::Ihdr, header);
    std::span<const uint8_t> image_data(compressed);
    do {
        auto piece = image_data.first(std::min<size_t>(image_data.size(), png::kMaxChunkLength));
        append_chunk(file, png::ChunkType::Idat, piece);
        image_data = image_data.subspan(piece.size());
    } while (!image_data.empty());
    append_chunk(file, png::ChunkType::Iend, {});
    return file;
}

Result<void> write_png(const Framebuffer& framebuffer, const std::string& path)
{
    auto file = encode_png(framebuffer);
    if (!file)
        return wrap_error("cannot write PNG " + path, file.error());
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return Error { "cannot write PNG " + path + ": " + std::strerror(errno) };
    auto written = write_all(fd, *file);
    // close() reports write-back errors that write() did not (NFS, quotas).
    bool closed = ::close(fd) == 0;
    if (!written)
        return wrap_error("cannot write PNG " + path, written.error());
    if (!closed)
        return Error { "cannot write PNG " + path + ": " + std::strerror(errno) };
    return {};
}

} // namespace spicebox
