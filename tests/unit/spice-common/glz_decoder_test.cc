// GLZ streams built by hand from the format (spice-server's glz-encode-match / spice-gtk's
// decode-glz-tmpl.c): the header, literal runs, and matches naming an image (distance in ids back
// from this one, 0 = this image) and a pixel offset (absolute in an earlier image; distance - 1 back
// in this one).
#include "spice-common/glz_decoder.h"
#include "spice-common/lz_decoder.h"

#include <doctest/doctest.h>
#include <zlib.h>

#include <cstring>
#include <vector>

using namespace spicebox;

namespace {

class GlzStream {
public:
    GlzStream(LzImageType type, uint32_t width, uint32_t height, uint64_t id, uint32_t win_head_dist, bool top_down = true)
    {
        be32(lz_magic);
        be32(lz_version);
        bytes.push_back(uint8_t(uint32_t(type) | (top_down ? 1u << 4 : 0)));
        be32(width);
        be32(height);
        be32(width * 4);
        be32(uint32_t(id >> 32));
        be32(uint32_t(id));
        be32(win_head_dist);
    }

    GlzStream& literals(const std::vector<std::vector<uint8_t>>& units)
    {
        REQUIRE(!units.empty());
        REQUIRE(units.size() <= 32);
        bytes.push_back(uint8_t(units.size() - 1));
        for (const auto& unit : units)
            bytes.insert(bytes.end(), unit.begin(), unit.end());
        return *this;
    }
    // `length` pixels from `pixel_offset` of the image `image_distance` ids back (0: this image, and
    // then pixel_offset is the distance back minus one); `bias` is the pass's minimum match.
    GlzStream& match(uint32_t length, uint32_t image_distance, uint32_t pixel_offset, uint32_t bias)
    {
        uint32_t stored_length = length - bias;
        bool long_offset = pixel_offset >= (1u << 12);
        bool very_long_offset = pixel_offset >= (1u << 17);
        uint32_t image_bytes = 0;
        if (!long_offset)
            image_bytes = image_distance < (1u << 6) ? 0 : image_distance < (1u << 14) ? 1 : 2;
        else
            image_bytes = image_distance == 0 ? 0 : image_distance < (1u << 8) ? 1 : 2;
        bytes.push_back(uint8_t(std::min<uint32_t>(stored_length, 7) << 5 | (long_offset ? 1u << 4 : 0) | (pixel_offset & 0x0f)));
        if (stored_length >= 7) {
            uint32_t rest = stored_length - 7;
            for (; rest >= 255; rest -= 255)
                bytes.push_back(255);
            bytes.push_back(uint8_t(rest));
        }
        bytes.push_back(uint8_t(pixel_offset >> 4));
        if (!long_offset) {
            bytes.push_back(uint8_t(image_bytes << 6 | (image_distance & 0x3f)));
            for (uint32_t i = 0; i < image_bytes; ++i)
                bytes.push_back(uint8_t(image_distance >> (6 + 8 * i)));
        } else {
            bytes.push_back(uint8_t(image_bytes << 6 | (very_long_offset ? 1u << 5 : 0) | ((pixel_offset >> 12) & 0x1f)));
            for (uint32_t i = 0; i < image_bytes; ++i)
                bytes.push_back(uint8_t(image_distance >> (8 * i)));
            if (very_long_offset)
                bytes.push_back(uint8_t(pixel_offset >> 17));
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

constexpr uint32_t rgb_bias = 0;
constexpr uint32_t rgb16_bias = 1;
constexpr uint32_t alpha_bias = 2;
constexpr size_t big_window = 64 << 20;

std::vector<uint8_t> bgr(uint32_t pixel)
{
    return { uint8_t(pixel), uint8_t(pixel >> 8), uint8_t(pixel >> 16) };
}

std::vector<uint32_t> pixels_of(const Bitmap& bitmap)
{
    std::vector<uint32_t> out(bitmap.width * bitmap.height);
    std::memcpy(out.data(), bitmap.pixels.data(), out.size() * 4);
    return out;
}

} // namespace

TEST_CASE("GLZ: literals and matches within one image")
{
    GlzDictionary dictionary(big_window);
    GlzStream stream(LzImageType::Rgb32, 4, 2, 0, 0);
    stream.literals({ bgr(0x102030), bgr(0x405060) }).match(2, 0, 1, rgb_bias); // copy the two pixels
    stream.literals({ bgr(0xffffff) }).match(3, 0, 0, rgb_bias);                // a run of the last pixel
    auto bitmap = decode_glz(stream.bytes, dictionary);
    REQUIRE(bitmap.ok());
    CHECK(bitmap->format == BitmapFormat::Xrgb8888);
    CHECK(bitmap->stride == 16);
    CHECK(pixels_of(*bitmap) == std::vector<uint32_t> { 0x102030, 0x405060, 0x102030, 0x405060, 0xffffff, 0xffffff, 0xffffff, 0xffffff });
    CHECK(dictionary.image_count() == 1);
    CHECK(dictionary.size_bytes() == 32);
}

TEST_CASE("GLZ: matches into earlier images of the dictionary, near and far")
{
    GlzDictionary dictionary(big_window);
    GlzStream first(LzImageType::Rgb32, 3, 1, 7, 0);
    first.literals({ bgr(0xaa0000), bgr(0x00bb00), bgr(0x0000cc) });
    REQUIRE(decode_glz(first.bytes, dictionary).ok());

    // A 5000-pixel image, so that a later one can refer past pixel 4096 (the long offset form).
    GlzStream big(LzImageType::Rgb32, 5000, 1, 8, 1);
    for (uint32_t x = 0; x < 5000; x += 32) {
        std::vector<std::vector<uint8_t>> units;
        for (uint32_t i = x; i < std::min(5000u, x + 32); ++i)
            units.push_back(bgr(i));
        big.literals(units);
    }
    REQUIRE(decode_glz(big.bytes, dictionary).ok());

    // Image 9: pixels 1..2 of image 7 (two ids back), then 4 pixels from offset 4500 of image 8 (one back).
    GlzStream third(LzImageType::Rgb32, 6, 2, 9, 2, false);
    third.match(2, 2, 1, rgb_bias).match(4, 1, 4500, rgb_bias).match(6, 0, 5, rgb_bias);
    auto bitmap = decode_glz(third.bytes, dictionary);
    REQUIRE(bitmap.ok());
    // Bottom-up: the stream's first row is the bitmap's last.
    std::vector<uint32_t> row { 0x00bb00, 0x0000cc, 4500, 4501, 4502, 4503 };
    std::vector<uint32_t> expected = row;
    expected.insert(expected.end(), row.begin(), row.end());
    CHECK(pixels_of(*bitmap) == expected);
    CHECK(dictionary.image_count() == 3);
}

TEST_CASE("GLZ: RGB16 pixels are widened, RGBA alpha comes in its own pass")
{
    GlzDictionary dictionary(big_window);
    GlzStream rgb16(LzImageType::Rgb16, 3, 1, 0, 0);
    rgb16.literals({ { 0x7c, 0x00 } }).match(2, 0, 0, rgb16_bias);
    auto widened = decode_glz(rgb16.bytes, dictionary);
    REQUIRE(widened.ok());
    CHECK(pixels_of(*widened) == std::vector<uint32_t> { 0xff0000, 0xff0000, 0xff0000 });

    // Colour: 1 literal and 3 pixels of image 0; alpha: 0x80 and a run of it (3, the shortest alpha match).
    GlzStream rgba(LzImageType::Rgba, 4, 1, 1, 1);
    rgba.literals({ bgr(0x112233) }).match(3, 1, 0, rgb_bias);
    rgba.literals({ { 0x80 } }).match(3, 0, 0, alpha_bias);
    auto bitmap = decode_glz(rgba.bytes, dictionary);
    REQUIRE(bitmap.ok());
    CHECK(bitmap->format == BitmapFormat::Argb8888);
    CHECK(pixels_of(*bitmap) == std::vector<uint32_t> { 0x80112233, 0x80ff0000, 0x80ff0000, 0x80ff0000 });
}

TEST_CASE("GLZ dictionary drops images behind the newest window head, waiting for late images")
{
    GlzDictionary dictionary(big_window);
    auto add = [&](uint64_t id, uint32_t win_head_dist) {
        GlzStream stream(LzImageType::Rgb32, 1, 1, id, win_head_dist);
        stream.literals({ bgr(uint32_t(id)) });
        REQUIRE(decode_glz(stream.bytes, dictionary).ok());
    };
    add(0, 0);
    add(1, 1);
    add(2, 2);
    CHECK(dictionary.image_count() == 3);
    // Image 4 arrives before image 3 (another display channel): nothing may go yet.
    add(4, 1);
    CHECK(dictionary.find(0) != nullptr);
    add(3, 3);
    // With 3 in, 4 is the newest of a gapless run and says images before 3 are no longer needed.
    CHECK(dictionary.find(0) == nullptr);
    CHECK(dictionary.find(2) == nullptr);
    CHECK(dictionary.find(3) != nullptr);
    CHECK(dictionary.find(4) != nullptr);
    CHECK(dictionary.image_count() == 2);

    dictionary.clear();
    CHECK(dictionary.image_count() == 0);
    CHECK(dictionary.size_bytes() == 0);
}

TEST_CASE("GLZ dictionary stays within its byte window")
{
    GlzDictionary dictionary(3 * 100 * 4);
    for (uint64_t id = 0; id < 10; ++id) {
        GlzStream stream(LzImageType::Rgb32, 100, 1, id, uint32_t(id));
        stream.literals({ bgr(1) }).match(99, 0, 0, rgb_bias);
        REQUIRE(decode_glz(stream.bytes, dictionary).ok());
        CHECK(dictionary.size_bytes() <= 3 * 100 * 4);
    }
    CHECK(dictionary.image_count() == 3);
    CHECK(dictionary.find(9) != nullptr);
    CHECK(dictionary.find(6) == nullptr);
}

TEST_CASE("GLZ refuses references it cannot satisfy and malformed streams")
{
    GlzDictionary dictionary(big_window);
    GlzStream first(LzImageType::Rgb32, 4, 1, 5, 0);
    first.literals({ bgr(1), bgr(2), bgr(3), bgr(4) });
    REQUIRE(decode_glz(first.bytes, dictionary).ok());

    SUBCASE("an image not in the dictionary")
    {
        GlzStream stream(LzImageType::Rgb32, 2, 1, 6, 2);
        stream.match(2, 3, 0, rgb_bias); // image 3 was never received
        CHECK_FALSE(decode_glz(stream.bytes, dictionary).ok());
        GlzStream before_first(LzImageType::Rgb32, 2, 1, 6, 2);
        before_first.match(2, 7, 0, rgb_bias); // 6 - 7 wraps below id 0
        CHECK_FALSE(decode_glz(before_first.bytes, dictionary).ok());
    }
    SUBCASE("pixels past the end of the earlier image")
    {
        GlzStream stream(LzImageType::Rgb32, 2, 1, 6, 1);
        stream.match(2, 1, 3, rgb_bias);
        CHECK_FALSE(decode_glz(stream.bytes, dictionary).ok());
    }
    SUBCASE("before the start of this image, or past its end")
    {
        GlzStream before(LzImageType::Rgb32, 4, 1, 6, 1);
        before.literals({ bgr(1) }).match(2, 0, 1, rgb_bias);
        CHECK_FALSE(decode_glz(before.bytes, dictionary).ok());
        GlzStream past(LzImageType::Rgb32, 2, 1, 6, 1);
        past.literals({ bgr(1) }).match(2, 0, 0, rgb_bias);
        CHECK_FALSE(decode_glz(past.bytes, dictionary).ok());
    }
    SUBCASE("palettised types and bad headers")
    {
        GlzStream palettised(LzImageType::Plt8, 4, 1, 6, 1);
        palettised.literals({ { 1 }, { 2 }, { 3 }, { 4 } });
        CHECK_FALSE(decode_glz(palettised.bytes, dictionary).ok());
        auto bad_magic = first.bytes;
        bad_magic[3] ^= 0x10;
        CHECK_FALSE(decode_glz(bad_magic, dictionary).ok());
        GlzStream huge(LzImageType::Rgb32, 16384, 16384, 6, 1);
        huge.literals({ bgr(1) }).match(255, 0, 0, rgb_bias);
        CHECK_FALSE(decode_glz(huge.bytes, dictionary).ok());
    }
    SUBCASE("every truncation")
    {
        GlzStream stream(LzImageType::Rgb32, 4, 1, 6, 1);
        stream.literals({ bgr(9) }).match(3, 1, 1, rgb_bias);
        REQUIRE(decode_glz(stream.bytes, dictionary).ok());
        for (size_t size = 0; size < stream.bytes.size(); ++size)
            CHECK_FALSE(decode_glz(std::span(stream.bytes).first(size), dictionary).ok());
    }
    // A failed image is not added: only image 5 (and the truncation subcase's 6) were decoded.
    CHECK(dictionary.find(5) != nullptr);
}

TEST_CASE("ZLIB_GLZ: a GLZ payload inflated by zlib first")
{
    GlzStream stream(LzImageType::Rgb32, 8, 1, 0, 0);
    stream.literals({ bgr(0x123456) }).match(7, 0, 0, rgb_bias);
    std::vector<uint8_t> deflated(compressBound(uLong(stream.bytes.size())));
    uLongf deflated_size = deflated.size();
    REQUIRE(compress(deflated.data(), &deflated_size, stream.bytes.data(), uLong(stream.bytes.size())) == Z_OK);

    std::vector<uint8_t> payload(8);
    uint32_t glz_size = uint32_t(stream.bytes.size());
    uint32_t zlib_size = uint32_t(deflated_size);
    std::memcpy(payload.data(), &glz_size, 4);
    std::memcpy(payload.data() + 4, &zlib_size, 4);
    payload.insert(payload.end(), deflated.begin(), deflated.begin() + ptrdiff_t(deflated_size));

    GlzDictionary dictionary(big_window);
    auto bitmap = decode_zlib_glz(payload, dictionary);
    REQUIRE(bitmap.ok());
    CHECK(pixels_of(*bitmap) == std::vector<uint32_t>(8, 0x123456));
    CHECK(dictionary.find(0) != nullptr);

    auto wrong_size = payload;
    wrong_size[0] += 1;
    CHECK_FALSE(decode_zlib_glz(wrong_size, dictionary).ok());
    auto huge_claim = payload;
    huge_claim[3] = 0x7f;
    CHECK_FALSE(decode_zlib_glz(huge_claim, dictionary).ok());
    for (size_t size = 0; size < payload.size(); ++size)
        CHECK_FALSE(decode_zlib_glz(std::span(payload).first(size), dictionary).ok());
}
