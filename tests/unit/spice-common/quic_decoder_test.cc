// QUIC streams written bit by bit from the format (spice-common's quic.c): 32-bit words stored
// little-endian and read most significant bit first. After a fresh start every context's best code is
// the widest (bpc - 1: a flag bit and bpc - 1 value bits, for errors below 2^(bpc-1)); the first
// pixel updates the model, after which an error of 0 makes code 0 (unary: n zeros then a 1) the best,
// with an escape (18 zeros, then n - 18 in 8 bits) past 17. Errors are mapped 0, 255, 1, 254, ... to
// code values 0, 1, 2, 3, ...
#include "spice-common/quic_decoder.h"

#include <doctest/doctest.h>

#include <cstring>
#include <vector>

using namespace spicebox;

namespace {

constexpr uint32_t quic_magic = 0x43495551;
constexpr uint32_t type_rgb16 = 2;
constexpr uint32_t type_rgb24 = 3;
constexpr uint32_t type_rgb32 = 4;
constexpr uint32_t type_rgba = 5;

class QuicStream {
public:
    QuicStream(uint32_t type, uint32_t width, uint32_t height)
    {
        for (uint32_t word : { quic_magic, 0u, type, width, height })
            put(word, 32);
    }

    void put(uint32_t value, unsigned bits)
    {
        for (unsigned i = bits; i-- > 0;) {
            m_word = m_word << 1 | ((value >> i) & 1);
            if (++m_bits == 32)
                flush_word();
        }
    }
    // The widest 8-bit code (code 7): a flag bit set for values below 128, then 7 bits.
    void code7(uint32_t n) { put((n < 128 ? 0x80 : 0) | (n & 0x7f), 8); }
    // Code 0: n zeros and a 1, or the escape for n >= 18.
    void code0(uint32_t n)
    {
        if (n < 18)
            put(1, n + 1);
        else
            put(n - 18, 18 + 8);
    }

    std::vector<uint8_t> finish()
    {
        // As the encoder's flush: pad the last word, then one more.
        put(0, 32 - m_bits);
        put(0, 32);
        return m_bytes;
    }

private:
    void flush_word()
    {
        for (int i = 0; i < 4; ++i)
            m_bytes.push_back(uint8_t(m_word >> (8 * i)));
        m_word = 0;
        m_bits = 0;
    }

    std::vector<uint8_t> m_bytes;
    uint32_t m_word { 0 };
    unsigned m_bits { 0 };
};

// The code value that stands for prediction error `error` (mod 256).
uint32_t code_of(uint8_t error)
{
    return error < 128 ? uint32_t(error) * 2 : uint32_t(255 - error) * 2 + 1;
}

std::vector<uint32_t> pixels_of(const Bitmap& bitmap)
{
    std::vector<uint32_t> out(bitmap.width * bitmap.height);
    std::memcpy(out.data(), bitmap.pixels.data(), out.size() * 4);
    return out;
}

// Two pixels in a row: black, then (R 1, G 255, B 0) predicted from its left neighbour.
std::vector<uint8_t> two_pixel_row(uint32_t type)
{
    QuicStream stream(type, 2, 1);
    for (int channel = 0; channel < 3; ++channel)
        stream.code7(0);
    stream.code0(code_of(1));
    stream.code0(code_of(255));
    stream.code0(code_of(0));
    return stream.finish();
}

} // namespace

TEST_CASE("QUIC RGB32 and RGB24: first pixel with the widest code, the next with the adapted one")
{
    for (uint32_t type : { type_rgb32, type_rgb24 }) {
        auto bitmap = decode_quic(two_pixel_row(type));
        REQUIRE(bitmap.ok());
        CHECK(bitmap->format == BitmapFormat::Xrgb8888);
        CHECK(bitmap->width == 2);
        CHECK(bitmap->height == 1);
        CHECK(bitmap->stride == 8);
        CHECK(pixels_of(*bitmap) == std::vector<uint32_t> { 0x000000, 0x01ff00 });
    }
}

TEST_CASE("QUIC: the second row is predicted from the row above, with an escaped code")
{
    QuicStream stream(type_rgb32, 1, 2);
    for (int channel = 0; channel < 3; ++channel)
        stream.code7(0);
    stream.code0(code_of(3));
    stream.code0(code_of(0));
    stream.code0(code_of(128)); // code value 255: the escape form
    auto bitmap = decode_quic(stream.finish());
    REQUIRE(bitmap.ok());
    CHECK(pixels_of(*bitmap) == std::vector<uint32_t> { 0x000000, 0x030080 });
}

TEST_CASE("QUIC RGB16: 5-bit channels, widened to 8 bits")
{
    QuicStream stream(type_rgb16, 1, 1);
    // The widest 5-bit code (code 4): a flag bit set for values below 16, then 4 bits.
    stream.put(0x10 | 1, 5); // R 31: error -1 is code value 1
    stream.put(0x10 | 0, 5); // G 0
    stream.put(0x10 | 4, 5); // B 2: code value 4
    auto bitmap = decode_quic(stream.finish());
    REQUIRE(bitmap.ok());
    CHECK(pixels_of(*bitmap) == std::vector<uint32_t> { 0xff0010 });
}

TEST_CASE("QUIC RGBA: each row's alpha follows its colour, with a model of its own")
{
    QuicStream stream(type_rgba, 2, 1);
    for (int channel = 0; channel < 3; ++channel)
        stream.code7(0);
    stream.code0(code_of(1));
    stream.code0(code_of(255));
    stream.code0(code_of(0));
    stream.code7(code_of(0x80)); // alpha 0x80: code value 255, no flag bit
    stream.code7(code_of(0x7f)); // its context (value 255) is a fresh bucket: code 7 again
    auto bitmap = decode_quic(stream.finish());
    REQUIRE(bitmap.ok());
    CHECK(bitmap->format == BitmapFormat::Argb8888);
    CHECK(pixels_of(*bitmap) == std::vector<uint32_t> { 0x80000000, 0xff01ff00 });
}

TEST_CASE("QUIC refuses malformed streams")
{
    auto valid = two_pixel_row(type_rgb32);
    REQUIRE(decode_quic(valid).ok());

    SUBCASE("every truncation of the coded words")
    {
        for (size_t size = 0; size + 4 < valid.size(); size += 4)
            CHECK_FALSE(decode_quic(std::span(valid).first(size)).ok());
    }
    SUBCASE("bad header words")
    {
        auto bad_magic = valid;
        bad_magic[0] ^= 1;
        CHECK_FALSE(decode_quic(bad_magic).ok());
        auto bad_version = valid;
        bad_version[4] = 1;
        CHECK_FALSE(decode_quic(bad_version).ok());
        for (uint8_t type : { 0, 1, 6, 200 }) {
            auto bad_type = valid;
            bad_type[8] = type;
            CHECK_FALSE(decode_quic(bad_type).ok());
        }
        auto no_width = valid;
        std::memset(no_width.data() + 12, 0, 4);
        CHECK_FALSE(decode_quic(no_width).ok());
    }
    SUBCASE("a huge image from a short stream is refused before allocating")
    {
        QuicStream stream(type_rgb32, 16384, 16384);
        CHECK_FALSE(decode_quic(stream.finish()).ok());
    }
    SUBCASE("runs claimed past the end of the row")
    {
        // Rows 1.. of a uniform image are runs; here row 1 claims a run of all ones.
        QuicStream stream(type_rgb32, 8, 2);
        for (int channel = 0; channel < 3; ++channel)
            stream.code7(0);
        for (int i = 0; i < 200; ++i)
            stream.put(0xffffffff, 32);
        CHECK_FALSE(decode_quic(stream.finish()).ok());
    }
}
