#include "spice-common/lz4_codec.h"

#include <doctest/doctest.h>
#include <lz4.h>

#include <cstring>
#include <vector>

using namespace spicebox;

namespace {

Bitmap patterned_bitmap(BitmapFormat format, uint32_t width, uint32_t height, uint32_t bytes_per_pixel)
{
    Bitmap bitmap;
    bitmap.format = format;
    bitmap.width = width;
    bitmap.height = height;
    bitmap.stride = width * bytes_per_pixel;
    bitmap.pixels.resize(size_t(bitmap.stride) * height);
    for (size_t i = 0; i < bitmap.pixels.size(); ++i)
        bitmap.pixels[i] = uint8_t((i % bitmap.stride) / 9 + (i / bitmap.stride) / 5 * 31);
    return bitmap;
}

void append_block(std::vector<uint8_t>& out, const std::vector<char>& block, int size)
{
    out.push_back(uint8_t(size >> 24));
    out.push_back(uint8_t(size >> 16));
    out.push_back(uint8_t(size >> 8));
    out.push_back(uint8_t(size));
    out.insert(out.end(), block.begin(), block.begin() + size);
}

// A payload built with plain liblz4 calls, one independent block per row group, rows bottom-up.
std::vector<uint8_t> reference_payload(const std::vector<uint8_t>& rows, uint8_t spice_format, bool top_down, size_t block_bytes)
{
    std::vector<uint8_t> out { uint8_t(top_down ? 1 : 0), spice_format };
    for (size_t at = 0; at < rows.size(); at += block_bytes) {
        int size = int(std::min(block_bytes, rows.size() - at));
        std::vector<char> block(size_t(LZ4_compressBound(size)));
        int written = LZ4_compress_default(reinterpret_cast<const char*>(rows.data() + at), block.data(), size, int(block.size()));
        REQUIRE(written > 0);
        append_block(out, block, written);
    }
    return out;
}

} // namespace

TEST_CASE("LZ4 images round-trip in every RGB format")
{
    struct Case {
        BitmapFormat format;
        uint32_t bytes_per_pixel;
    };
    for (auto [format, bytes_per_pixel] : { Case { BitmapFormat::Xrgb8888, 4 }, Case { BitmapFormat::Argb8888, 4 },
             Case { BitmapFormat::Rgb888, 3 }, Case { BitmapFormat::Rgb555, 2 } }) {
        CAPTURE(int(format));
        auto bitmap = patterned_bitmap(format, 301, 67, bytes_per_pixel);
        auto payload = encode_lz4_image(bitmap);
        REQUIRE(payload.ok());
        CHECK((*payload)[0] == 1);
        CHECK((*payload)[1] == uint8_t(format));
        CHECK(payload->size() < bitmap.pixels.size());
        auto decoded = decode_lz4_image(*payload, 301, 67);
        REQUIRE(decoded.ok());
        CHECK(decoded->format == format);
        CHECK(decoded->stride == 301 * bytes_per_pixel);
        CHECK(decoded->pixels == bitmap.pixels);
    }
}

TEST_CASE("LZ4 encoding splits large images into blocks that refer back to earlier ones")
{
    // 4 MiB of pixels: four blocks of about 1 MiB.
    auto bitmap = patterned_bitmap(BitmapFormat::Xrgb8888, 1024, 1024, 4);
    auto payload = encode_lz4_image(bitmap);
    REQUIRE(payload.ok());
    size_t blocks = 0;
    for (size_t at = 2; at < payload->size(); ++blocks) {
        uint32_t size = uint32_t((*payload)[at]) << 24 | uint32_t((*payload)[at + 1]) << 16 | uint32_t((*payload)[at + 2]) << 8 | (*payload)[at + 3];
        at += 4 + size;
        REQUIRE(at <= payload->size());
    }
    CHECK(blocks == 4);
    auto decoded = decode_lz4_image(*payload, 1024, 1024);
    REQUIRE(decoded.ok());
    CHECK(decoded->pixels == bitmap.pixels);
}

TEST_CASE("LZ4: a uniform image, LZ4's best ratio, is within what the decoder accepts")
{
    Bitmap black;
    black.width = 2048;
    black.height = 1024;
    black.stride = 2048 * 4;
    black.pixels.assign(size_t(black.stride) * black.height, 0);
    auto payload = encode_lz4_image(black);
    REQUIRE(payload.ok());
    CHECK(payload->size() < black.pixels.size() / 200);
    auto decoded = decode_lz4_image(*payload, 2048, 1024);
    REQUIRE(decoded.ok());
    CHECK(decoded->pixels == black.pixels);
}

TEST_CASE("LZ4 payloads made by liblz4 directly decode, bottom-up rows flipped")
{
    auto bitmap = patterned_bitmap(BitmapFormat::Rgb888, 40, 10, 3);
    std::vector<uint8_t> bottom_up;
    for (uint32_t row = bitmap.height; row-- > 0;)
        bottom_up.insert(bottom_up.end(), bitmap.pixels.begin() + row * bitmap.stride, bitmap.pixels.begin() + (row + 1) * bitmap.stride);
    auto payload = reference_payload(bottom_up, SPICE_BITMAP_FMT_24BIT, false, 3 * bitmap.stride);
    auto decoded = decode_lz4_image(payload, 40, 10);
    REQUIRE(decoded.ok());
    CHECK(decoded->format == BitmapFormat::Rgb888);
    CHECK(decoded->pixels == bitmap.pixels);
}

TEST_CASE("LZ4 decoding refuses damaged and inconsistent payloads")
{
    auto bitmap = patterned_bitmap(BitmapFormat::Xrgb8888, 64, 32, 4);
    auto payload = encode_lz4_image(bitmap).value();

    SUBCASE("every truncation")
    {
        for (size_t size = 0; size < payload.size(); ++size)
            CHECK_FALSE(decode_lz4_image(std::span(payload).first(size), 64, 32).ok());
    }
    SUBCASE("a size the blocks do not fill or overflow")
    {
        CHECK_FALSE(decode_lz4_image(payload, 64, 33).ok());
        CHECK_FALSE(decode_lz4_image(payload, 64, 31).ok());
        CHECK_FALSE(decode_lz4_image(payload, 0, 32).ok());
    }
    SUBCASE("a format LZ4 images do not carry")
    {
        payload[1] = SPICE_BITMAP_FMT_8BIT;
        CHECK_FALSE(decode_lz4_image(payload, 64, 32).ok());
    }
    SUBCASE("a block size past the payload")
    {
        payload[2] = 0x7f;
        CHECK_FALSE(decode_lz4_image(payload, 64, 32).ok());
    }
    SUBCASE("a huge image from a tiny payload is refused before allocating")
    {
        CHECK_FALSE(decode_lz4_image(payload, 16384, 16384).ok());
    }
    SUBCASE("corrupt block contents")
    {
        for (size_t at = 6; at < payload.size(); at += 3) {
            auto damaged = payload;
            damaged[at] ^= 0xa5;
            auto decoded = decode_lz4_image(damaged, 64, 32);
            if (decoded.ok())
                CHECK(decoded->pixels.size() == bitmap.pixels.size());
        }
    }
}

TEST_CASE("LZ4 encoding refuses palettised bitmaps and bad rows")
{
    auto bitmap = patterned_bitmap(BitmapFormat::Palette8, 16, 16, 1);
    CHECK_FALSE(encode_lz4_image(bitmap).ok());
    auto short_rows = patterned_bitmap(BitmapFormat::Xrgb8888, 16, 16, 4);
    short_rows.pixels.resize(100);
    CHECK_FALSE(encode_lz4_image(short_rows).ok());
}
