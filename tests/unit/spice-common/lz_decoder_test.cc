// Streams built by hand from the LZ format (spice-common's lz_common.h / lz_compress_tmpl.c): the
// header, literal runs (ctrl < 32, then ctrl + 1 units) and matches (3-bit length with 255-continued
// extension bytes, 13-bit distance or the far form), lengths and distances biased as the encoder does.
#include "spice-common/lz_decoder.h"

#include <doctest/doctest.h>

#include <vector>

using namespace spicebox;

namespace {

class LzStream {
public:
    LzStream(LzImageType type, uint32_t width, uint32_t height, uint32_t stride, bool top_down)
    {
        be32(lz_magic);
        be32(lz_version);
        be32(uint32_t(type));
        be32(width);
        be32(height);
        be32(stride);
        be32(top_down ? 1 : 0);
    }

    // One literal run of up to 32 units, each given as its stream bytes.
    LzStream& literals(const std::vector<std::vector<uint8_t>>& units)
    {
        REQUIRE(!units.empty());
        REQUIRE(units.size() <= 32);
        bytes.push_back(uint8_t(units.size() - 1));
        for (const auto& unit : units)
            bytes.insert(bytes.end(), unit.begin(), unit.end());
        return *this;
    }
    // A match of `length` units starting `distance` units back; `bias` is the unit type's minimum match.
    LzStream& match(uint32_t length, uint32_t distance, uint32_t bias)
    {
        uint32_t stored_length = length - bias;
        uint32_t offset = distance - 1;
        constexpr uint32_t near_limit = 8191;
        uint8_t ctrl = uint8_t((std::min<uint32_t>(stored_length, 6) + 1) << 5);
        bool far = offset >= near_limit;
        ctrl |= far ? 31 : uint8_t(offset >> 8);
        bytes.push_back(ctrl);
        if (stored_length >= 6) {
            uint32_t rest = stored_length - 6;
            for (; rest >= 255; rest -= 255)
                bytes.push_back(255);
            bytes.push_back(uint8_t(rest));
        }
        if (far) {
            bytes.push_back(255);
            bytes.push_back(uint8_t((offset - near_limit) >> 8));
            bytes.push_back(uint8_t(offset - near_limit));
        } else {
            bytes.push_back(uint8_t(offset));
        }
        return *this;
    }

    std::vector<uint8_t> bytes;

private:
    void be32(uint32_t value)
    {
        for (int shift = 24; shift >= 0; shift -= 8)
            bytes.push_back(uint8_t(value >> shift));
    }
};

constexpr uint32_t rgb_bias = 1;
constexpr uint32_t rgb16_bias = 2;
constexpr uint32_t byte_bias = 3;

std::vector<uint8_t> xrgb(std::initializer_list<uint32_t> pixels)
{
    std::vector<uint8_t> out;
    for (uint32_t pixel : pixels) {
        for (int i = 0; i < 4; ++i)
            out.push_back(uint8_t(pixel >> (8 * i)));
    }
    return out;
}

std::vector<uint8_t> bgr(uint32_t pixel)
{
    return { uint8_t(pixel), uint8_t(pixel >> 8), uint8_t(pixel >> 16) };
}

} // namespace

TEST_CASE("LZ RGB32: literals, a copy of the row above and a run")
{
    // 3x3, top-down: row 0 literal, row 1 a copy of row 0, row 2 one literal then a run of it.
    LzStream stream(LzImageType::Rgb32, 3, 3, 12, true);
    stream.literals({ bgr(0x112233), bgr(0x445566), bgr(0x778899) }).match(3, 3, rgb_bias);
    stream.literals({ bgr(0xabcdef) }).match(2, 1, rgb_bias);
    auto bitmap = decode_lz(stream.bytes, {});
    REQUIRE(bitmap.ok());
    CHECK(bitmap->format == BitmapFormat::Xrgb8888);
    CHECK(bitmap->width == 3);
    CHECK(bitmap->height == 3);
    CHECK(bitmap->stride == 12);
    CHECK(bitmap->pixels
        == xrgb({ 0x112233, 0x445566, 0x778899, 0x112233, 0x445566, 0x778899, 0xabcdef, 0xabcdef, 0xabcdef }));
}

TEST_CASE("LZ bottom-up images come out top-down; RGB24 decodes like RGB32")
{
    LzStream stream(LzImageType::Rgb24, 2, 2, 6, false);
    stream.literals({ bgr(0x010203), bgr(0x040506), bgr(0x0a0b0c), bgr(0x0d0e0f) });
    auto bitmap = decode_lz(stream.bytes, {});
    REQUIRE(bitmap.ok());
    CHECK(bitmap->format == BitmapFormat::Xrgb8888);
    CHECK(bitmap->pixels == xrgb({ 0x0a0b0c, 0x0d0e0f, 0x010203, 0x040506 }));
}

TEST_CASE("LZ long matches and far distances")
{
    // Two rows of 9000 pixels: the second is a copy of the first, 9000 pixels back (a far distance)
    // with a length needing 35 extension bytes.
    constexpr uint32_t width = 9000;
    LzStream stream(LzImageType::Rgb32, width, 2, width * 4, true);
    std::vector<uint8_t> expected;
    for (uint32_t x = 0; x < width; x += 32) {
        std::vector<std::vector<uint8_t>> units;
        for (uint32_t i = x; i < std::min(width, x + 32); ++i) {
            units.push_back(bgr(i * 7919));
            auto pixel = xrgb({ (i * 7919) & 0xffffff });
            expected.insert(expected.end(), pixel.begin(), pixel.end());
        }
        stream.literals(units);
    }
    stream.match(width, width, rgb_bias);
    expected.insert(expected.end(), expected.begin(), expected.end());
    auto bitmap = decode_lz(stream.bytes, {});
    REQUIRE(bitmap.ok());
    CHECK(bitmap->pixels == expected);
}

TEST_CASE("LZ RGB16: pixels sent high byte first, matches biased by two")
{
    LzStream stream(LzImageType::Rgb16, 4, 1, 8, true);
    stream.literals({ { 0x7c, 0x00 }, { 0x03, 0xe0 } }).match(2, 2, rgb16_bias);
    auto bitmap = decode_lz(stream.bytes, {});
    REQUIRE(bitmap.ok());
    CHECK(bitmap->format == BitmapFormat::Rgb555);
    CHECK(bitmap->stride == 8);
    CHECK(bitmap->pixels == std::vector<uint8_t> { 0x00, 0x7c, 0xe0, 0x03, 0x00, 0x7c, 0xe0, 0x03 });
}

TEST_CASE("LZ palettised images keep their indices and take the caller's palette")
{
    SUBCASE("8-bit")
    {
        LzStream stream(LzImageType::Plt8, 5, 1, 5, true);
        stream.literals({ { 2 }, { 1 } }).match(3, 2, byte_bias);
        std::vector<uint32_t> palette { 0x000000, 0xff0000, 0x00ff00 };
        auto bitmap = decode_lz(stream.bytes, palette);
        REQUIRE(bitmap.ok());
        CHECK(bitmap->format == BitmapFormat::Palette8);
        CHECK(bitmap->pixels == std::vector<uint8_t> { 2, 1, 2, 1, 2 });
        REQUIRE(bitmap->palette.size() == 256);
        CHECK(bitmap->palette[1] == 0xff0000);
        CHECK(bitmap->palette[2] == 0x00ff00);
        CHECK(bitmap->palette[3] == 0);
    }
    SUBCASE("1-bit, rows of a byte and a bit")
    {
        // Width 10: two bytes a row; the second row repeats the first (a match of 2 < bias is not
        // allowed, so the rows are three literals and one literal).
        LzStream stream(LzImageType::Plt1Be, 10, 2, 2, false);
        stream.literals({ { 0xa5 }, { 0x80 }, { 0xff } }).literals({ { 0xc0 } });
        auto bitmap = decode_lz(stream.bytes, std::vector<uint32_t> { 0x111111, 0x222222 });
        REQUIRE(bitmap.ok());
        CHECK(bitmap->format == BitmapFormat::Palette1Be);
        CHECK(bitmap->stride == 2);
        CHECK(bitmap->pixels == std::vector<uint8_t> { 0xff, 0xc0, 0xa5, 0x80 });
        CHECK(bitmap->palette == std::vector<uint32_t> { 0x111111, 0x222222 });
    }
}

TEST_CASE("LZ RGBA: the colour pass, then the alpha bytes as a pass of their own; XXXA is alpha alone")
{
    LzStream rgba(LzImageType::Rgba, 4, 1, 16, true);
    rgba.literals({ bgr(0x102030), bgr(0x405060), bgr(0x708090), bgr(0xa0b0c0) });
    rgba.literals({ { 0xff } }).match(3, 1, byte_bias);
    auto bitmap = decode_lz(rgba.bytes, {});
    REQUIRE(bitmap.ok());
    CHECK(bitmap->format == BitmapFormat::Argb8888);
    CHECK(bitmap->pixels == xrgb({ 0xff102030, 0xff405060, 0xff708090, 0xffa0b0c0 }));

    LzStream alpha(LzImageType::Xxxa, 5, 1, 20, true);
    alpha.literals({ { 0x00 }, { 0x80 } }).match(3, 2, byte_bias);
    auto plane = decode_lz(alpha.bytes, {});
    REQUIRE(plane.ok());
    CHECK(plane->format == BitmapFormat::A8);
    CHECK(plane->stride == 5);
    CHECK(plane->pixels == std::vector<uint8_t> { 0x00, 0x80, 0x00, 0x80, 0x00 });
}

TEST_CASE("LZ refuses malformed streams")
{
    auto valid = [] {
        LzStream stream(LzImageType::Rgb32, 4, 1, 16, true);
        stream.literals({ bgr(1), bgr(2) }).match(2, 2, rgb_bias);
        return stream.bytes;
    }();
    REQUIRE(decode_lz(valid, {}).ok());

    SUBCASE("every truncation")
    {
        for (size_t size = 0; size < valid.size(); ++size)
            CHECK_FALSE(decode_lz(std::span(valid).first(size), {}).ok());
    }
    SUBCASE("bad header fields")
    {
        auto bad_magic = valid;
        bad_magic[0] ^= 1;
        CHECK_FALSE(decode_lz(bad_magic, {}).ok());
        auto bad_version = valid;
        bad_version[7] = 2;
        CHECK_FALSE(decode_lz(bad_version, {}).ok());
        for (uint8_t type : { 0, 12, 255 }) {
            auto bad_type = valid;
            bad_type[11] = type;
            CHECK_FALSE(decode_lz(bad_type, {}).ok());
        }
        auto bad_stride = valid;
        bad_stride[23] = 12;
        CHECK_FALSE(decode_lz(bad_stride, {}).ok());
    }
    SUBCASE("a reference before the first pixel")
    {
        LzStream stream(LzImageType::Rgb32, 4, 1, 16, true);
        stream.literals({ bgr(1) }).match(3, 2, rgb_bias);
        CHECK_FALSE(decode_lz(stream.bytes, {}).ok());
    }
    SUBCASE("a match or literals past the last pixel")
    {
        LzStream long_match(LzImageType::Rgb32, 4, 1, 16, true);
        long_match.literals({ bgr(1) }).match(4, 1, rgb_bias);
        CHECK_FALSE(decode_lz(long_match.bytes, {}).ok());
        LzStream long_literals(LzImageType::Rgb32, 2, 1, 8, true);
        long_literals.literals({ bgr(1), bgr(2), bgr(3) });
        CHECK_FALSE(decode_lz(long_literals.bytes, {}).ok());
    }
    SUBCASE("a huge image from a short stream is refused before allocating")
    {
        LzStream stream(LzImageType::Rgb32, 16384, 16384, 16384 * 4, true);
        stream.literals({ bgr(1) }).match(1000, 1, rgb_bias);
        CHECK_FALSE(decode_lz(stream.bytes, {}).ok());
    }
    SUBCASE("endless length extension bytes")
    {
        LzStream stream(LzImageType::Rgb32, 64, 64, 256, true);
        stream.literals({ bgr(1) });
        stream.bytes.push_back(0xe0);
        stream.bytes.insert(stream.bytes.end(), 5000, 255);
        CHECK_FALSE(decode_lz(stream.bytes, {}).ok());
    }
}
