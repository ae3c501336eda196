#include "spice-common/png_format.h"
#include "spice-common/png_writer.h"
#include "tests/support/png_reader.h"

#include <cstdio>
#include <doctest/doctest.h>
#include <fstream>
#include <iterator>
#include <unistd.h>
#include <vector>
#include <zlib.h>

using namespace spicebox;
using namespace spicebox::test;

namespace {

Framebuffer sample_image(uint32_t width, uint32_t height)
{
    Framebuffer framebuffer;
    framebuffer.resize(width, height);
    for (uint32_t y = 0; y < height; ++y) {
        for (uint32_t x = 0; x < width; ++x)
            framebuffer.row(y)[x] = ((x * 7 + y * 13) & 0xFF) << 16 | ((x * y) & 0xFF) << 8 | ((x ^ y) * 29 & 0xFF);
    }
    return framebuffer;
}

uint32_t big_endian_at(const std::vector<uint8_t>& bytes, size_t offset)
{
    return uint32_t(bytes[offset]) << 24 | uint32_t(bytes[offset + 1]) << 16 | uint32_t(bytes[offset + 2]) << 8
        | bytes[offset + 3];
}

void append_u32(std::vector<uint8_t>& out, uint32_t value)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(uint8_t(value >> shift));
}

void append_chunk(std::vector<uint8_t>& out, uint32_t type, const std::vector<uint8_t>& data)
{
    append_u32(out, uint32_t(data.size()));
    std::vector<uint8_t> crc_input;
    append_u32(crc_input, type);
    crc_input.insert(crc_input.end(), data.begin(), data.end());
    out.insert(out.end(), crc_input.begin(), crc_input.end());
    append_u32(out, uint32_t(crc32(0, crc_input.data(), uInt(crc_input.size()))));
}

// A PNG assembled here, independently of encode_png, from already-filtered scanlines.
std::vector<uint8_t> handmade_png(uint32_t width, uint32_t height, const std::vector<uint8_t>& filtered)
{
    std::vector<uint8_t> header;
    append_u32(header, width);
    append_u32(header, height);
    header.insert(header.end(), { 8, 2, 0, 0, 0 });
    std::vector<uint8_t> compressed(compressBound(uLong(filtered.size())));
    uLongf size = uLongf(compressed.size());
    REQUIRE(compress(compressed.data(), &size, filtered.data(), uLong(filtered.size())) == Z_OK);
    compressed.resize(size);
    std::vector<uint8_t> file(png::kSignature.begin(), png::kSignature.end());
    append_chunk(file, uint32_t(png::ChunkType::Ihdr), header);
    append_chunk(file, uint32_t(png::ChunkType::Idat), compressed);
    append_chunk(file, uint32_t(png::ChunkType::Iend), {});
    return file;
}

// The 2x3 image of the filter vectors below; its second row puts the Paeth predictor's ties on the
// left/upper-left (red of pixel 1) and above/upper-left (green of pixel 1) choices.
const std::vector<uint32_t> kFilterImage {
    0x0A0A07, 0x0F1E63,
    0x0000C8, 0x4D5801,
    0xFA0580, 0x03FF40,
};

void check_filter_image(const std::vector<uint8_t>& filtered)
{
    auto image = decode_png(handmade_png(2, 3, filtered));
    REQUIRE_MESSAGE(image.ok(), image.error_message());
    CHECK(image->width == 2);
    CHECK(image->height == 3);
    CHECK(image->pixels == kFilterImage);
}

std::string error_of(const std::vector<uint8_t>& file)
{
    auto image = decode_png(file);
    return image.ok() ? std::string() : image.error().message;
}

}

TEST_CASE("encode_png writes the signature, an 8-bit RGB IHDR, image data and IEND")
{
    auto file = encode_png(sample_image(300, 7));
    REQUIRE_MESSAGE(file.ok(), file.error_message());
    REQUIRE(file->size() > 8 + 25 + 12 + 12);
    CHECK(std::equal(png::kSignature.begin(), png::kSignature.end(), file->begin()));
    CHECK(big_endian_at(*file, 8) == 13);
    CHECK(big_endian_at(*file, 12) == png::chunk_type("IHDR"));
    CHECK(big_endian_at(*file, 16) == 300);
    CHECK(big_endian_at(*file, 20) == 7);
    CHECK(std::vector<uint8_t>(file->begin() + 24, file->begin() + 29) == std::vector<uint8_t> { 8, 2, 0, 0, 0 });
    CHECK(big_endian_at(*file, 33 + 4) == png::chunk_type("IDAT"));
    std::vector<uint8_t> iend(file->end() - 12, file->end());
    CHECK(iend == std::vector<uint8_t> { 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82 });
}

TEST_CASE("a framebuffer survives write_png and read_png, minus the unused top byte")
{
    auto image = sample_image(123, 45);
    image.row(3)[4] = 0xFF123456;
    auto path = "/tmp/spicebox-png-test-" + std::to_string(getpid()) + ".png";
    auto written = write_png(image, path);
    REQUIRE_MESSAGE(written.ok(), written.error_message());
    auto read = read_png(path);
    std::remove(path.c_str());
    REQUIRE_MESSAGE(read.ok(), read.error_message());
    CHECK(read->width == 123);
    CHECK(read->height == 45);
    CHECK(read->at(4, 3) == 0x123456);
    image.row(3)[4] = 0x123456;
    CHECK(read->pixels == image.pixels);

    Framebuffer one_pixel;
    one_pixel.resize(1, 1);
    one_pixel.pixels[0] = 0xABCDEF;
    auto tiny = decode_png(encode_png(one_pixel).value());
    REQUIRE(tiny.ok());
    CHECK(tiny->pixels == std::vector<uint32_t> { 0xABCDEF });
}

TEST_CASE("encode_png and write_png refuse what cannot be written")
{
    Framebuffer empty;
    auto from_empty = encode_png(empty);
    REQUIRE_FALSE(from_empty.ok());
    CHECK(from_empty.error().message == "a 0x0 image cannot be a PNG (both sides must be at least 1)");
    Framebuffer short_pixels;
    short_pixels.resize(4, 4);
    short_pixels.pixels.pop_back();
    auto from_short = encode_png(short_pixels);
    REQUIRE_FALSE(from_short.ok());
    CHECK(from_short.error().message == "the framebuffer holds 15 pixels, not 4x4");

    auto written = write_png(sample_image(2, 2), "/nonexistent-directory/shot.png");
    REQUIRE_FALSE(written.ok());
    CHECK(written.error().message == "cannot write PNG /nonexistent-directory/shot.png: No such file or directory");
}

TEST_CASE("read_png undoes each of the five scanline filters")
{
    SUBCASE("None")
    {
        check_filter_image({ 0, 10, 10, 7, 15, 30, 99, 0, 0, 0, 200, 77, 88, 1, 0, 250, 5, 128, 3, 255, 64 });
    }
    SUBCASE("Sub")
    {
        check_filter_image({ 1, 10, 10, 7, 5, 20, 92, 1, 0, 0, 200, 77, 88, 57, 1, 250, 5, 128, 9, 250, 192 });
    }
    SUBCASE("Up")
    {
        check_filter_image({ 2, 10, 10, 7, 15, 30, 99, 2, 246, 246, 193, 62, 58, 158, 2, 250, 5, 184, 182, 167, 63 });
    }
    SUBCASE("Average")
    {
        check_filter_image({ 3, 10, 10, 7, 10, 25, 96, 3, 251, 251, 197, 70, 73, 108, 3, 250, 5, 28, 96, 209, 0 });
    }
    SUBCASE("Paeth")
    {
        check_filter_image({ 4, 10, 10, 7, 5, 20, 92, 4, 246, 246, 193, 77, 58, 57, 4, 250, 5, 184, 9, 167, 63 });
    }
    SUBCASE("a different filter on each row")
    {
        check_filter_image({ 1, 10, 10, 7, 5, 20, 92, 4, 246, 246, 193, 77, 58, 57, 3, 250, 5, 28, 96, 209, 0 });
    }
    SUBCASE("an unknown filter type is an error")
    {
        auto message = error_of(handmade_png(2, 3, { 0, 10, 10, 7, 15, 30, 99, 5, 0, 0, 200, 77, 88, 1, 0, 250, 5, 128, 3, 255, 64 }));
        CHECK(message == "scanline 1 has unknown filter type 5");
    }
}

TEST_CASE("read_png rejects a corrupt CRC in any chunk")
{
    auto file = encode_png(sample_image(40, 30)).value();
    REQUIRE(decode_png(file).ok());

    auto bad_header = file;
    bad_header[16] ^= 0x01; // a width byte, covered by IHDR's CRC
    CHECK(error_of(bad_header) == "chunk IHDR fails its CRC");

    auto bad_data = file;
    bad_data[33 + 8 + 5] ^= 0x40; // inside the IDAT payload
    CHECK(error_of(bad_data) == "chunk IDAT fails its CRC");

    auto bad_crc = file;
    bad_crc[bad_crc.size() - 1] ^= 0xFF; // IEND's stored CRC itself
    CHECK(error_of(bad_crc) == "chunk IEND fails its CRC");
}

TEST_CASE("read_png rejects every truncation of a valid file, and bytes after IEND")
{
    auto file = encode_png(sample_image(16, 9)).value();
    for (size_t length = 0; length < file.size(); ++length) {
        std::vector<uint8_t> truncated(file.begin(), file.begin() + std::ptrdiff_t(length));
        CAPTURE(length);
        CHECK_FALSE(decode_png(truncated).ok());
    }
    CHECK(error_of(std::vector<uint8_t>(file.begin(), file.begin() + 20)).find("truncated") == 0);

    auto extended = file;
    extended.push_back(0);
    CHECK(error_of(extended) == "1 bytes follow IEND");
}

TEST_CASE("read_png checks the header and the amount of image data against it")
{
    CHECK(error_of({ 'G', 'I', 'F', '8', '9', 'a', 0, 0 }) == "not a PNG file (bad signature)");

    // A 2x3 header over the scanlines of a 2x2 image, then of a 2x4 one.
    std::vector<uint8_t> rows(7, 0);
    std::vector<uint8_t> two_rows, four_rows;
    for (int i = 0; i < 2; ++i)
        two_rows.insert(two_rows.end(), rows.begin(), rows.end());
    for (int i = 0; i < 4; ++i)
        four_rows.insert(four_rows.end(), rows.begin(), rows.end());
    CHECK(error_of(handmade_png(2, 3, two_rows)) == "the image data ends after 14 of 21 bytes");
    CHECK(error_of(handmade_png(2, 3, four_rows)) == "the image data holds more than the 21 bytes its size implies");

    CHECK(error_of(handmade_png(0, 3, {})) == "bad image size 0x3");
    CHECK(error_of(handmade_png(100000, 100000, {})) == "image of 100000x100000 is too large");

    auto grey = handmade_png(2, 3, std::vector<uint8_t>(21, 0));
    grey[8 + 8 + 9] = 0; // colour type 0 (greyscale); the CRC is then recomputed
    uint32_t crc = uint32_t(crc32(0, grey.data() + 12, 17));
    for (int i = 0; i < 4; ++i)
        grey[8 + 8 + 13 + i] = uint8_t(crc >> (24 - 8 * i));
    CHECK(error_of(grey) == "unsupported bit depth 8 / colour type 0 (only 8-bit RGB)");
}
