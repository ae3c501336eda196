#include "spice-common/canvas.h"
#include "spice-common/canvas_sink.h"
#include "spice-common/cursor_overlay.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

using namespace spicebox;

namespace {

constexpr uint32_t red = 0xFF0000;
constexpr uint32_t green = 0x00FF00;
constexpr uint32_t blue = 0x0000FF;
constexpr uint32_t white = 0xFFFFFF;

// A 32-bit surface in memory the test owns, as a device would hand it over.
struct TestSurface {
    uint32_t width;
    uint32_t height;
    bool bottom_up;
    std::vector<uint32_t> memory;

    TestSurface(uint32_t w, uint32_t h, bool bottom_up_rows = false)
        : width(w)
        , height(h)
        , bottom_up(bottom_up_rows)
        , memory(size_t(w) * h, 0)
    {
    }

    SurfaceCreate create(uint32_t id, bool primary = false)
    {
        return SurfaceCreate {
            .surface_id = id,
            .width = width,
            .height = height,
            .stride = bottom_up ? -int32_t(width * 4) : int32_t(width * 4),
            .format = SurfaceFormat::Xrgb8888,
            .primary = primary,
            .keep_data = true,
            .memory = std::span(reinterpret_cast<uint8_t*>(memory.data()), memory.size() * 4),
        };
    }
    size_t index(uint32_t x, uint32_t y) const { return size_t(bottom_up ? height - 1 - y : y) * width + x; }
    uint32_t at(uint32_t x, uint32_t y) const { return memory[index(x, y)] & 0xFFFFFF; }
    void set(uint32_t x, uint32_t y, uint32_t value) { memory[index(x, y)] = value; }
    void paint_pattern()
    {
        for (uint32_t y = 0; y < height; ++y)
            for (uint32_t x = 0; x < width; ++x)
                set(x, y, pattern(x, y));
    }
    static uint32_t pattern(uint32_t x, uint32_t y) { return (x * 16 + 1) << 16 | (y * 16 + 2) << 8 | 0x33; }
};

DrawCommand command(uint32_t surface, Rect bbox, DrawOperation operation)
{
    DrawCommand draw;
    draw.surface_id = surface;
    draw.bbox = bbox;
    draw.operation = std::move(operation);
    return draw;
}

DrawCommand fill(uint32_t surface, Rect bbox, uint32_t color, uint16_t rop = SPICE_ROPD_OP_PUT)
{
    return command(surface, bbox, FillOp { .brush = SolidBrush { color }, .rop_descriptor = rop, .mask = {} });
}

Image bitmap_image(Bitmap bitmap) { return Image { .id = 1, .cacheable = false, .source = std::move(bitmap) }; }

Image surface_image(uint32_t id) { return Image { .id = 2, .cacheable = false, .source = SurfaceImage { id } }; }

DrawCommand copy(uint32_t surface, Rect bbox, Image source, Rect source_area, uint16_t rop = SPICE_ROPD_OP_PUT,
    ScaleMode scale = ScaleMode::Nearest)
{
    return command(surface, bbox, CopyOp { std::move(source), source_area, rop, scale, {} });
}

Bitmap make_bitmap(BitmapFormat format, uint32_t width, uint32_t height, uint32_t stride)
{
    Bitmap bitmap;
    bitmap.format = format;
    bitmap.width = width;
    bitmap.height = height;
    bitmap.stride = stride;
    return bitmap;
}

Bitmap xrgb_bitmap(uint32_t width, uint32_t height, const std::vector<uint32_t>& pixels)
{
    Bitmap bitmap = make_bitmap(BitmapFormat::Xrgb8888, width, height, width * 4);
    bitmap.pixels.resize(pixels.size() * 4);
    std::memcpy(bitmap.pixels.data(), pixels.data(), bitmap.pixels.size());
    return bitmap;
}

bool inside(const Rect& rect, uint32_t x, uint32_t y)
{
    return int32_t(x) >= rect.left && int32_t(x) < rect.right && int32_t(y) >= rect.top && int32_t(y) < rect.bottom;
}

} // namespace

TEST_CASE("canvas fills the bounding box restricted to the clip rectangles")
{
    TestSurface screen(16, 8);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0, true)));
    canvas.draw(fill(0, { 0, 0, 16, 8 }, blue));

    DrawCommand clipped = fill(0, { 2, 1, 14, 7 }, red);
    std::vector<Rect> clip { { 0, 0, 4, 3 }, { 10, 5, 16, 8 } };
    clipped.clip = clip;
    canvas.draw(clipped);

    Rect bbox { 2, 1, 14, 7 };
    for (uint32_t y = 0; y < 8; ++y) {
        for (uint32_t x = 0; x < 16; ++x) {
            bool painted = inside(bbox, x, y) && (inside(clip[0], x, y) || inside(clip[1], x, y));
            CHECK(screen.at(x, y) == (painted ? red : blue));
        }
    }
}

TEST_CASE("canvas clips draws that reach outside the surface")
{
    // The surface sits between two guard areas that must stay untouched.
    constexpr uint32_t guard = 0x5A5A5A5A;
    std::vector<uint32_t> memory(16 + 64 + 16, guard);
    auto surface_memory = std::span(reinterpret_cast<uint8_t*>(memory.data() + 16), 64 * 4);
    std::fill(memory.begin() + 16, memory.begin() + 80, 0);
    Canvas canvas;
    REQUIRE(canvas.create_surface(SurfaceCreate { .surface_id = 0, .width = 8, .height = 8, .stride = 32,
        .format = SurfaceFormat::Xrgb8888, .primary = true, .keep_data = true, .memory = surface_memory }));
    auto at = [&](uint32_t x, uint32_t y) { return memory[16 + y * 8 + x] & 0xFFFFFF; };

    canvas.draw(fill(0, { -100, 5, 100, 1000 }, green));
    canvas.draw(fill(0, { INT32_MIN, INT32_MIN, INT32_MAX, INT32_MAX }, red));
    for (uint32_t y = 0; y < 8; ++y)
        for (uint32_t x = 0; x < 8; ++x)
            CHECK(at(x, y) == (y >= 5 ? green : 0));

    // A source area partly outside its 4x4 bitmap: only pixels with a source change.
    std::vector<uint32_t> pixels(16, red);
    canvas.draw(copy(0, { 0, 0, 4, 4 }, bitmap_image(xrgb_bitmap(4, 4, pixels)), { 2, 2, 6, 6 }));
    // A copy from far outside the bitmap changes nothing.
    canvas.draw(copy(0, { 0, 0, 4, 4 }, bitmap_image(xrgb_bitmap(4, 4, pixels)), { 1000, 0, 1004, 4 }));
    for (uint32_t y = 0; y < 4; ++y)
        for (uint32_t x = 0; x < 4; ++x)
            CHECK(at(x, y) == (x < 2 && y < 2 ? red : 0));
    // COPY_BITS from a source position partly off the surface moves only what is on it.
    canvas.draw(command(0, { 0, 0, 8, 8 }, CopyBitsOp { { -6, -6 } }));
    canvas.draw(command(0, { 6, 6, 8, 8 }, CopyBitsOp { { 7, 7 } }));
    for (int i = 0; i < 16; ++i) {
        CHECK(memory[size_t(i)] == guard);
        CHECK(memory[size_t(80 + i)] == guard);
    }
}

TEST_CASE("canvas copies 8-bit palettised bitmaps into top-down and bottom-up surfaces")
{
    for (bool bottom_up : { false, true }) {
        CAPTURE(bottom_up);
        TestSurface screen(6, 4, bottom_up);
        Canvas canvas;
        REQUIRE(canvas.create_surface(screen.create(0, true)));

        Bitmap bitmap = make_bitmap(BitmapFormat::Palette8, 3, 2, 3);
        bitmap.pixels = { 0, 1, 2, 2, 1, 0 };
        bitmap.palette.assign(256, 0);
        bitmap.palette[0] = red;
        bitmap.palette[1] = green;
        bitmap.palette[2] = blue;
        canvas.draw(copy(0, { 2, 1, 5, 3 }, bitmap_image(bitmap), { 0, 0, 3, 2 }));

        std::vector<uint32_t> expected_rows[2] = { { red, green, blue }, { blue, green, red } };
        for (uint32_t y = 0; y < 4; ++y) {
            for (uint32_t x = 0; x < 6; ++x) {
                uint32_t expected = (y >= 1 && y < 3 && x >= 2 && x < 5) ? expected_rows[y - 1][x - 2] : 0;
                CHECK(screen.at(x, y) == expected);
            }
        }
        Framebuffer shot;
        REQUIRE(canvas.read_surface(0, shot));
        CHECK(shot.at(2, 1) == red);
        CHECK(shot.at(2, 2) == blue);
    }
}

TEST_CASE("canvas copies 1-bit and 4-bit bitmaps in both bit orders")
{
    TestSurface screen(10, 2);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));

    // Pixels 0..9 of row 0: 1,0,1,1,0,0,0,1,1,0; row 1 is the inverse.
    std::vector<int> row0 { 1, 0, 1, 1, 0, 0, 0, 1, 1, 0 };
    auto pack = [&](bool big_endian) {
        Bitmap bitmap = make_bitmap(big_endian ? BitmapFormat::Palette1Be : BitmapFormat::Palette1Le, 10, 2, 2);
        bitmap.pixels.assign(4, 0);
        for (uint32_t y = 0; y < 2; ++y) {
            for (uint32_t x = 0; x < 10; ++x) {
                int bit = y == 0 ? row0[x] : 1 - row0[x];
                if (bit)
                    bitmap.pixels[y * 2 + x / 8] |= uint8_t(big_endian ? 0x80 >> (x % 8) : 1 << (x % 8));
            }
        }
        bitmap.palette = { red, white };
        return bitmap;
    };
    for (bool big_endian : { false, true }) {
        CAPTURE(big_endian);
        canvas.draw(copy(0, { 0, 0, 10, 2 }, bitmap_image(pack(big_endian)), { 0, 0, 10, 2 }));
        for (uint32_t x = 0; x < 10; ++x) {
            CHECK(screen.at(x, 0) == (row0[x] ? white : red));
            CHECK(screen.at(x, 1) == (row0[x] ? red : white));
        }
    }

    for (bool big_endian : { false, true }) {
        CAPTURE(big_endian);
        Bitmap bitmap = make_bitmap(big_endian ? BitmapFormat::Palette4Be : BitmapFormat::Palette4Le, 3, 1, 2);
        // Indices 1, 2, 3 left to right.
        bitmap.pixels = big_endian ? std::vector<uint8_t> { 0x12, 0x30 } : std::vector<uint8_t> { 0x21, 0x03 };
        bitmap.palette.assign(16, 0);
        bitmap.palette[1] = red;
        bitmap.palette[2] = green;
        bitmap.palette[3] = blue;
        canvas.draw(copy(0, { 4, 1, 7, 2 }, bitmap_image(bitmap), { 0, 0, 3, 1 }));
        CHECK(screen.at(4, 1) == red);
        CHECK(screen.at(5, 1) == green);
        CHECK(screen.at(6, 1) == blue);
    }
}

TEST_CASE("canvas converts 16-bit, 24-bit and RGBA bitmaps")
{
    TestSurface screen(3, 1);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));

    Bitmap rgb555 = make_bitmap(BitmapFormat::Rgb555, 3, 1, 6);
    rgb555.pixels = { 0x00, 0x7C, 0xE0, 0x03, 0x1F, 0x00 }; // 0x7C00 red, 0x03E0 green, 0x001F blue
    canvas.draw(copy(0, { 0, 0, 3, 1 }, bitmap_image(rgb555), { 0, 0, 3, 1 }));
    CHECK(screen.at(0, 0) == red);
    CHECK(screen.at(1, 0) == green);
    CHECK(screen.at(2, 0) == blue);

    Bitmap rgb888 = make_bitmap(BitmapFormat::Rgb888, 3, 1, 9);
    rgb888.pixels = { 0x03, 0x02, 0x01, 0x30, 0x20, 0x10, 0xFF, 0x00, 0x80 };
    canvas.draw(copy(0, { 0, 0, 3, 1 }, bitmap_image(rgb888), { 0, 0, 3, 1 }));
    CHECK(screen.at(0, 0) == 0x010203);
    CHECK(screen.at(1, 0) == 0x102030);
    CHECK(screen.at(2, 0) == 0x8000FF);

    // COPY takes an RGBA bitmap's colour as it is, whatever its alpha.
    Bitmap rgba = make_bitmap(BitmapFormat::Argb8888, 1, 1, 4);
    rgba.pixels = { 0x44, 0x55, 0x66, 0x00 };
    canvas.draw(copy(0, { 1, 0, 2, 1 }, bitmap_image(rgba), { 0, 0, 1, 1 }));
    CHECK(screen.at(1, 0) == 0x665544);
}

TEST_CASE("canvas scales a copy whose source and destination sizes differ")
{
    TestSurface screen(8, 8);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));
    std::vector<uint32_t> pixels { red, green, blue, white };
    canvas.draw(copy(0, { 2, 2, 6, 6 }, bitmap_image(xrgb_bitmap(2, 2, pixels)), { 0, 0, 2, 2 }));
    for (uint32_t y = 0; y < 8; ++y) {
        for (uint32_t x = 0; x < 8; ++x) {
            uint32_t expected = inside({ 2, 2, 6, 6 }, x, y) ? pixels[(y - 2) / 2 * 2 + (x - 2) / 2] : 0;
            CHECK(screen.at(x, y) == expected);
        }
    }
}

TEST_CASE("canvas copy_bits moves overlapping areas in every direction")
{
    struct Move {
        Rect bbox;
        Point source;
    };
    for (Move move : { Move { { 2, 3, 10, 9 }, { 0, 0 } }, Move { { 0, 0, 8, 6 }, { 2, 3 } },
             Move { { 3, 0, 12, 10 }, { 0, 0 } }, Move { { 0, 2, 12, 10 }, { 0, 0 } },
             Move { { 0, 0, 9, 7 }, { 3, 3 } } }) {
        CAPTURE(move.bbox.left);
        CAPTURE(move.bbox.top);
        TestSurface screen(12, 10);
        screen.paint_pattern();
        Canvas canvas;
        REQUIRE(canvas.create_surface(screen.create(0)));
        DrawCommand draw = command(0, move.bbox, CopyBitsOp { move.source });
        // A clip list splits the area into several boxes, so their order matters too.
        draw.clip = std::vector<Rect> { { 0, 0, 5, 4 }, { 6, 0, 12, 4 }, { 0, 4, 12, 10 } };
        canvas.draw(draw);
        int32_t dx = move.bbox.left - move.source.x, dy = move.bbox.top - move.source.y;
        for (uint32_t y = 0; y < 10; ++y) {
            for (uint32_t x = 0; x < 12; ++x) {
                bool moved = inside(move.bbox, x, y) && !(x == 5 && y < 4);
                uint32_t expected = moved ? TestSurface::pattern(x - dx, y - dy) : TestSurface::pattern(x, y);
                CHECK(screen.at(x, y) == expected);
            }
        }
    }
}

TEST_CASE("canvas transparent copy keeps the destination where the source has the key colour")
{
    TestSurface screen(4, 1);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));
    canvas.draw(fill(0, { 0, 0, 4, 1 }, blue));
    std::vector<uint32_t> pixels { red, green, red, white };
    canvas.draw(command(0, { 0, 0, 4, 1 },
        TransparentOp { bitmap_image(xrgb_bitmap(4, 1, pixels)), { 0, 0, 4, 1 }, red, red }));
    CHECK(screen.at(0, 0) == blue);
    CHECK(screen.at(1, 0) == green);
    CHECK(screen.at(2, 0) == blue);
    CHECK(screen.at(3, 0) == white);
}

TEST_CASE("canvas alpha blend uses the source's alpha and the global alpha")
{
    TestSurface screen(2, 1);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));
    canvas.draw(fill(0, { 0, 0, 2, 1 }, blue));

    // Premultiplied half-transparent red over blue: r = 0x80, b = 0xFF * (0xFF - 0x80) / 0xFF = 0x7F.
    Bitmap rgba = make_bitmap(BitmapFormat::Argb8888, 1, 1, 4);
    rgba.pixels = { 0x00, 0x00, 0x80, 0x80 };
    canvas.draw(command(0, { 0, 0, 1, 1 }, AlphaBlendOp { 0, 255, bitmap_image(rgba), { 0, 0, 1, 1 } }));
    CHECK(screen.at(0, 0) == 0x80007F);

    // An opaque red source at global alpha 0x80 gives the same mix.
    canvas.draw(command(0, { 1, 0, 2, 1 },
        AlphaBlendOp { 0, 0x80, bitmap_image(xrgb_bitmap(1, 1, { red })), { 0, 0, 1, 1 } }));
    CHECK(screen.at(1, 0) == 0x80007F);

    // Alpha 0 draws nothing.
    canvas.draw(
        command(0, { 1, 0, 2, 1 }, AlphaBlendOp { 0, 0, bitmap_image(xrgb_bitmap(1, 1, { green })), { 0, 0, 1, 1 } }));
    CHECK(screen.at(1, 0) == 0x80007F);
}

TEST_CASE("canvas raster operations: invert, xor, and, inverted source")
{
    TestSurface screen(4, 2);
    screen.paint_pattern();
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));

    canvas.draw(command(0, { 0, 0, 2, 1 }, InversOp {}));
    CHECK(screen.at(0, 0) == (~TestSurface::pattern(0, 0) & 0xFFFFFF));
    CHECK(screen.at(1, 0) == (~TestSurface::pattern(1, 0) & 0xFFFFFF));
    CHECK(screen.at(2, 0) == TestSurface::pattern(2, 0));

    canvas.draw(fill(0, { 2, 0, 3, 1 }, 0x0F0F0F, SPICE_ROPD_OP_XOR));
    CHECK(screen.at(2, 0) == (TestSurface::pattern(2, 0) ^ 0x0F0F0F));
    canvas.draw(fill(0, { 3, 0, 4, 1 }, 0x00FF0F, SPICE_ROPD_OP_AND));
    CHECK(screen.at(3, 0) == (TestSurface::pattern(3, 0) & 0x00FF0F));

    canvas.draw(copy(0, { 0, 1, 1, 2 }, bitmap_image(xrgb_bitmap(1, 1, { 0x123456 })), { 0, 0, 1, 1 },
        SPICE_ROPD_OP_PUT | SPICE_ROPD_INVERS_SRC));
    CHECK(screen.at(0, 1) == (~0x123456u & 0xFFFFFF));
    canvas.draw(copy(0, { 1, 1, 2, 2 }, bitmap_image(xrgb_bitmap(1, 1, { 0x00FF00 })), { 0, 0, 1, 1 },
        SPICE_ROPD_OP_OR | SPICE_ROPD_INVERS_RES));
    CHECK(screen.at(1, 1) == (~(TestSurface::pattern(1, 1) | 0x00FF00) & 0xFFFFFF));

    canvas.draw(command(0, { 2, 1, 3, 2 }, WhitenessOp {}));
    canvas.draw(command(0, { 3, 1, 4, 2 }, BlacknessOp {}));
    CHECK(screen.at(2, 1) == white);
    CHECK(screen.at(3, 1) == 0);
}

TEST_CASE("canvas ROP3 combines pattern, source and destination")
{
    TestSurface screen(2, 1);
    screen.set(0, 0, 0x0000FF);
    screen.set(1, 0, 0x0000FF);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));
    // 0x96 is P xor S xor D.
    canvas.draw(command(0, { 0, 0, 2, 1 },
        Rop3Op { bitmap_image(xrgb_bitmap(2, 1, { 0x00FF00, 0x0F0F0F })), { 0, 0, 2, 1 }, SolidBrush { 0xFF0000 }, 0x96,
            ScaleMode::Nearest, {} }));
    CHECK(screen.at(0, 0) == 0xFFFFFF);
    CHECK(screen.at(1, 0) == (0xFF0000 ^ 0x0F0F0F ^ 0x0000FF));
}

TEST_CASE("canvas fills through a 1-bit mask and tiles pattern brushes")
{
    TestSurface screen(8, 2);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));

    Bitmap mask_bits = make_bitmap(BitmapFormat::Palette1Le, 4, 1, 1);
    mask_bits.pixels = { 0b0101 }; // pixels 0 and 2 set
    FillOp masked { SolidBrush { red }, SPICE_ROPD_OP_PUT, Mask { false, { 0, 0 }, bitmap_image(mask_bits) } };
    canvas.draw(command(0, { 0, 0, 4, 1 }, masked));
    masked.mask->inverted = true;
    masked.brush = SolidBrush { green };
    canvas.draw(command(0, { 4, 0, 8, 1 }, masked));
    std::vector<uint32_t> expected { red, 0, red, 0, 0, green, 0, green };
    for (uint32_t x = 0; x < 8; ++x)
        CHECK(screen.at(x, 0) == expected[x]);

    // A 2x1 pattern whose origin is at x = 1: pixel x takes pattern[(x - 1) mod 2].
    canvas.draw(command(0, { 0, 1, 8, 2 },
        FillOp { PatternBrush { bitmap_image(xrgb_bitmap(2, 1, { blue, white })), { 1, 7 } }, SPICE_ROPD_OP_PUT, {} }));
    for (uint32_t x = 0; x < 8; ++x)
        CHECK(screen.at(x, 1) == ((x + 1) % 2 == 0 ? blue : white));
}

TEST_CASE("canvas copies from other surfaces, including itself")
{
    TestSurface screen(8, 4, true);
    TestSurface offscreen(4, 4);
    offscreen.paint_pattern();
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0, true)));
    REQUIRE(canvas.create_surface(offscreen.create(3)));

    DrawCommand draw = copy(0, { 1, 0, 4, 2 }, surface_image(3), { 1, 2, 4, 4 });
    draw.dependencies.push_back({ 3, { 1, 2, 4, 4 } });
    canvas.draw(draw);
    for (uint32_t y = 0; y < 2; ++y)
        for (uint32_t x = 1; x < 4; ++x)
            CHECK(screen.at(x, y) == TestSurface::pattern(x, y + 2));

    // A copy from the target itself reads the pixels as they were before the draw.
    canvas.draw(copy(0, { 2, 0, 5, 2 }, surface_image(0), { 1, 0, 4, 2 }));
    for (uint32_t y = 0; y < 2; ++y)
        for (uint32_t x = 2; x < 5; ++x)
            CHECK(screen.at(x, y) == TestSurface::pattern(x - 1, y + 2));
}

TEST_CASE("canvas keeps a bottom-up primary's rows in bottom-up memory order")
{
    TestSurface screen(2, 3, true);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0, true)));
    canvas.draw(fill(0, { 0, 0, 2, 1 }, red));
    // Row 0 of a bottom-up surface is the last row in memory.
    CHECK((screen.memory[4] & 0xFFFFFF) == red);
    CHECK((screen.memory[0] & 0xFFFFFF) == 0);
    Framebuffer shot;
    REQUIRE(canvas.read_surface(0, shot));
    CHECK(shot.width == 2);
    CHECK(shot.height == 3);
    CHECK(shot.at(1, 0) == red);
    CHECK(shot.at(1, 2) == 0);
}

TEST_CASE("canvas drops draws naming missing surfaces and refuses bad surfaces")
{
    TestSurface screen(4, 4);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));
    canvas.draw(fill(7, { 0, 0, 4, 4 }, red));
    canvas.draw(copy(0, { 0, 0, 4, 4 }, surface_image(9), { 0, 0, 4, 4 }));
    for (uint32_t pixel : screen.memory)
        CHECK(pixel == 0);

    canvas.destroy_surface(0);
    CHECK_FALSE(canvas.has_surface(0));
    canvas.draw(fill(0, { 0, 0, 4, 4 }, red));
    CHECK(screen.memory[0] == 0);

    SurfaceCreate too_small = screen.create(1);
    too_small.memory = too_small.memory.subspan(0, 60);
    CHECK_FALSE(canvas.create_surface(too_small));
    SurfaceCreate narrow_stride = screen.create(1);
    narrow_stride.stride = 8;
    CHECK_FALSE(canvas.create_surface(narrow_stride));
    SurfaceCreate empty = screen.create(1);
    empty.width = 0;
    CHECK_FALSE(canvas.create_surface(empty));

    // An inconsistent bitmap (fewer bytes than its size needs) is dropped, not read past its end.
    REQUIRE(canvas.create_surface(screen.create(0)));
    Bitmap short_bitmap = xrgb_bitmap(4, 4, std::vector<uint32_t>(4, red));
    canvas.draw(copy(0, { 0, 0, 4, 4 }, bitmap_image(short_bitmap), { 0, 0, 4, 4 }));
    CHECK(screen.memory[0] == 0);
}

TEST_CASE("canvas renders into a host copy when the memory is not aligned, written back on update_area")
{
    std::vector<uint8_t> memory(2 * 8 + 1, 0);
    SurfaceCreate create { .surface_id = 2, .width = 2, .height = 2, .stride = 8, .format = SurfaceFormat::Xrgb8888,
        .primary = false, .keep_data = false, .memory = std::span(memory).subspan(1) };
    Canvas canvas;
    REQUIRE(canvas.create_surface(create));
    canvas.draw(fill(2, { 1, 1, 2, 2 }, 0x123456));
    CHECK(memory[1 + 12] == 0);
    canvas.update_area(2, { 0, 0, 2, 2 });
    CHECK(memory[1 + 12] == 0x56);
    CHECK(memory[1 + 13] == 0x34);
    CHECK(memory[1 + 14] == 0x12);
    CHECK(memory[1 + 8] == 0);
}

TEST_CASE("canvas text paints the back area then the glyphs through their coverage")
{
    TestSurface screen(8, 2);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));
    TextOp text;
    text.string_flags = SPICE_STRING_FLAGS_RASTER_A1 | SPICE_STRING_FLAGS_RASTER_TOP_DOWN;
    text.back_area = { 0, 0, 8, 2 };
    text.back_brush = SolidBrush { blue };
    text.fore_brush = SolidBrush { white };
    // One 8x2 glyph: row 0 = 10000001, row 1 = 01000000 (most significant bit leftmost).
    text.glyphs.push_back(Glyph { .render_position = { 0, 0 }, .origin = { 0, 0 }, .width = 8, .height = 2,
        .data = { 0x81, 0x40 } });
    canvas.draw(command(0, { 0, 0, 8, 2 }, text));
    for (uint32_t x = 0; x < 8; ++x) {
        CHECK(screen.at(x, 0) == (x == 0 || x == 7 ? white : blue));
        CHECK(screen.at(x, 1) == (x == 1 ? white : blue));
    }
}

TEST_CASE("canvas sink shows the primary surface with the cursor over it")
{
    TestSurface screen(8, 8);
    CanvasSink sink;
    Framebuffer shot;
    CHECK_FALSE(sink.screenshot(shot, false));
    sink.create_surface(screen.create(0, true));
    sink.draw(fill(0, { 0, 0, 8, 8 }, blue));

    CursorShape arrow { .unique = 1, .type = CursorType::Alpha, .width = 2, .height = 2, .hot_spot_x = 1,
        .hot_spot_y = 1, .data = {} };
    for (uint32_t pixel : { 0xFFFF0000u, 0x00000000u, 0x00000000u, 0xFF00FF00u })
        for (int shift = 0; shift < 32; shift += 8)
            arrow.data.push_back(uint8_t(pixel >> shift));
    sink.cursor(CursorSet { { 4, 4 }, true, arrow });

    REQUIRE(sink.screenshot(shot, true));
    CHECK(shot.at(3, 3) == red);
    CHECK(shot.at(4, 3) == blue);
    CHECK(shot.at(4, 4) == green);
    REQUIRE(sink.screenshot(shot, false));
    CHECK(shot.at(3, 3) == blue);

    sink.cursor(CursorMove { { 1, 1 } });
    REQUIRE(sink.screenshot(shot, true));
    CHECK(shot.at(0, 0) == red);
    CHECK(shot.at(3, 3) == blue);

    sink.cursor(CursorHide {});
    REQUIRE(sink.screenshot(shot, true));
    CHECK(shot.at(0, 0) == blue);

    // A device reset forgets the shape: a MOVE shows nothing until the next SET.
    sink.cursor(CursorReset {});
    sink.cursor(CursorMove { { 1, 1 } });
    REQUIRE(sink.screenshot(shot, true));
    CHECK(shot.at(0, 0) == blue);

    sink.monitors_config(MonitorsConfig { 1, { MonitorHead { .id = 0, .surface_id = 0, .width = 8, .height = 8 } } });
    CHECK(sink.monitors().heads.size() == 1);
    sink.update_area(0, { 0, 0, 8, 8 });
    CHECK(screen.at(0, 0) == blue);
}

TEST_CASE("canvas opaque copies the image then combines the brush with it")
{
    TestSurface screen(1, 1);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));
    canvas.draw(command(0, { 0, 0, 1, 1 },
        OpaqueOp { bitmap_image(xrgb_bitmap(1, 1, { 0x3366FF })), { 0, 0, 1, 1 }, SolidBrush { 0x00FFF0 },
            SPICE_ROPD_OP_AND, ScaleMode::Nearest, {} }));
    CHECK(screen.at(0, 0) == (0x3366FFu & 0x00FFF0u));
}

TEST_CASE("canvas interpolated scaling repeats the source's edges instead of fading them")
{
    TestSurface screen(6, 6);
    Canvas canvas;
    REQUIRE(canvas.create_surface(screen.create(0)));
    canvas.draw(copy(0, { 0, 0, 6, 6 }, bitmap_image(xrgb_bitmap(2, 2, { red, red, red, red })), { 0, 0, 2, 2 },
        SPICE_ROPD_OP_PUT, ScaleMode::Interpolate));
    for (uint32_t y = 0; y < 6; ++y)
        for (uint32_t x = 0; x < 6; ++x)
            CHECK(screen.at(x, y) == red);
}

TEST_CASE("canvas renders into 16-bit surfaces in their own pixel format")
{
    std::vector<uint16_t> memory(4 * 2, 0);
    SurfaceCreate create { .surface_id = 5, .width = 4, .height = 2, .stride = 8, .format = SurfaceFormat::Rgb565,
        .primary = false, .keep_data = false,
        .memory = std::span(reinterpret_cast<uint8_t*>(memory.data()), memory.size() * 2) };
    Canvas canvas;
    REQUIRE(canvas.create_surface(create));
    canvas.draw(fill(5, { 0, 0, 2, 1 }, 0xF800)); // brush colours are in the surface's format
    canvas.draw(copy(5, { 2, 0, 4, 1 }, bitmap_image(xrgb_bitmap(2, 1, { green, blue })), { 0, 0, 2, 1 }));
    canvas.draw(fill(5, { 0, 1, 4, 2 }, 0x001F, SPICE_ROPD_OP_XOR));
    CHECK(memory[0] == 0xF800);
    CHECK(memory[2] == 0x07E0);
    CHECK(memory[3] == 0x001F);
    CHECK(memory[4] == 0x001F);
    Framebuffer shot;
    REQUIRE(canvas.read_surface(5, shot));
    CHECK(shot.at(1, 0) == red);
    CHECK(shot.at(2, 0) == green);
    CHECK(shot.at(0, 1) == blue);
}

TEST_CASE("cursor overlay draws monochrome cursors with their AND and XOR masks")
{
    Framebuffer screen;
    screen.resize(4, 1);
    std::fill(screen.pixels.begin(), screen.pixels.end(), 0x123456);
    // Pixels left to right: AND 1 XOR 0 (screen), AND 1 XOR 1 (inverted), AND 0 XOR 0 (black), AND 0 XOR 1 (white).
    CursorShape shape { .unique = 2, .type = CursorType::Mono, .width = 4, .height = 1, .hot_spot_x = 0,
        .hot_spot_y = 0, .data = { 0b11000000, 0b01010000 } };
    CursorOverlay overlay;
    overlay.apply(CursorSet { { 0, 0 }, true, shape });
    overlay.compose(screen);
    CHECK(screen.at(0, 0) == 0x123456);
    CHECK(screen.at(1, 0) == (~0x123456u & 0xFFFFFF));
    CHECK(screen.at(2, 0) == 0);
    CHECK(screen.at(3, 0) == white);

    // A shape with less data than its size needs is not drawn.
    shape.data.pop_back();
    overlay.apply(CursorSet { { 0, 0 }, true, shape });
    std::fill(screen.pixels.begin(), screen.pixels.end(), 0x123456);
    overlay.compose(screen);
    CHECK(screen.at(2, 0) == 0x123456);
}
