#include "tests/support/xwd_reader.h"

#include <doctest/doctest.h>

#include <vector>

using namespace spicebox;
using namespace spicebox::test;

namespace {

struct XwdLayout {
    uint32_t width { 2 };
    uint32_t height { 2 };
    uint32_t bits_per_pixel { 24 };
    uint32_t bytes_per_line { 8 };
    uint32_t byte_order { 0 };
    uint32_t colors { 1 };
    uint32_t red_mask { 0xFF0000 };
    std::string name { "xwdump" };
};

void put_u32(std::vector<uint8_t>& out, uint32_t value)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(uint8_t(value >> shift));
}

// An XWD file as `xwd -root` writes it, with the pixels 0x00RRGGBB given row by row.
std::vector<uint8_t> make_xwd(const XwdLayout& layout, const std::vector<uint32_t>& pixels)
{
    std::vector<uint8_t> out;
    uint32_t header_size = 100 + uint32_t(layout.name.size()) + 1;
    for (uint32_t value : { header_size, 7u, 2u, 24u, layout.width, layout.height, 0u, layout.byte_order, 32u, 0u, 32u, layout.bits_per_pixel,
             layout.bytes_per_line, 5u, layout.red_mask, 0xFF00u, 0xFFu, 8u, 256u, layout.colors, layout.width, layout.height, 0u, 0u, 0u })
        put_u32(out, value);
    out.insert(out.end(), layout.name.begin(), layout.name.end());
    out.push_back(0);
    out.resize(out.size() + layout.colors * 12, 0xAB);
    uint32_t bytes_per_pixel = layout.bits_per_pixel / 8;
    for (uint32_t y = 0; y < layout.height; ++y) {
        size_t line = out.size();
        for (uint32_t x = 0; x < layout.width; ++x) {
            uint32_t value = pixels[y * layout.width + x];
            for (uint32_t i = 0; i < bytes_per_pixel; ++i) {
                uint32_t byte = layout.byte_order == 0 ? i : bytes_per_pixel - 1 - i;
                out.push_back(uint8_t(value >> (8 * byte)));
            }
        }
        out.resize(line + layout.bytes_per_line, 0xEE);
    }
    return out;
}

const std::vector<uint32_t> kPixels { 0x112233, 0x445566, 0x778899, 0xAABBCC };

}

TEST_CASE("xwd: 24 bits per pixel, least significant byte first, lines padded (Xvfb's depth-24 screen)")
{
    auto screen = decode_xwd(make_xwd({}, kPixels));
    REQUIRE_MESSAGE(screen.ok(), screen.error_message());
    CHECK(screen->width == 2);
    CHECK(screen->height == 2);
    CHECK(screen->pixels == kPixels);
}

TEST_CASE("xwd: 32 bits per pixel, most significant byte first")
{
    XwdLayout layout;
    layout.bits_per_pixel = 32;
    layout.byte_order = 1;
    layout.colors = 0;
    auto screen = decode_xwd(make_xwd(layout, kPixels));
    REQUIRE_MESSAGE(screen.ok(), screen.error_message());
    CHECK(screen->pixels == kPixels);
}

TEST_CASE("xwd: files that do not add up are refused")
{
    auto good = make_xwd({}, kPixels);
    SUBCASE("truncated pixels")
    {
        good.pop_back();
        CHECK(!decode_xwd(good).ok());
    }
    SUBCASE("truncated header")
    {
        good.resize(60);
        CHECK(!decode_xwd(good).ok());
    }
    SUBCASE("a line shorter than its pixels")
    {
        XwdLayout layout;
        layout.bytes_per_line = 5;
        CHECK(!decode_xwd(make_xwd(layout, kPixels)).ok());
    }
    SUBCASE("a huge size")
    {
        XwdLayout layout;
        auto file = make_xwd(layout, kPixels);
        file[16] = 0x7F; // width's top byte
        CHECK(!decode_xwd(file).ok());
    }
    SUBCASE("a colour count that runs past the end")
    {
        auto file = make_xwd({}, kPixels);
        file[76] = 0xFF; // ncolors' top byte
        CHECK(!decode_xwd(file).ok());
    }
    SUBCASE("a channel mask that is not 8 contiguous bits")
    {
        XwdLayout layout;
        layout.red_mask = 0xF0F000;
        CHECK(!decode_xwd(make_xwd(layout, kPixels)).ok());
    }
}
