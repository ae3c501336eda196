// The draw marshaller: exact bytes where spice.proto's layout is easy to state by hand (DisplayBase, Fill,
// the verified DRAW_COPY offsets, a palette after the pixels), and every operation read back through the
// client's demarshaller (written separately from spice.proto), fields compared.
#include "spice-common/draw_demarshaller.h"
#include "spice-common/draw_marshaller.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

#include <cstring>

using namespace spicebox;

namespace {

class RawImages final : public ImageWriter {
public:
    void write_image(WireWriter& writer, size_t body_start, const Image& image) override
    {
        write_raw_image(writer, body_start, image, 0, [](uint32_t id) { return std::pair(id * 10, id * 20); });
    }
};

// Reads back what write_raw_image writes: BITMAP (top-down, palette by pointer) and SURFACE.
class RawImageReader final : public ImageResolver {
public:
    Result<Image> resolve_image(std::span<const uint8_t> body, uint32_t offset) override
    {
        if (offset >= body.size())
            return Error { "image pointer out of the message" };
        WireReader reader(body.subspan(offset));
        Image image;
        image.id = TRY(reader.read<uint64_t>("id"));
        auto type = TRY(reader.read<uint8_t>("type"));
        TRY(reader.read<uint8_t>("flags"));
        auto width = TRY(reader.read<uint32_t>("width"));
        auto height = TRY(reader.read<uint32_t>("height"));
        if (type == SPICE_IMAGE_TYPE_SURFACE) {
            image.source = SurfaceImage { TRY(reader.read<uint32_t>("surface id")) };
            return image;
        }
        if (type != SPICE_IMAGE_TYPE_BITMAP)
            return Error { "not a raw image" };
        Bitmap bitmap;
        bitmap.format = BitmapFormat(TRY(reader.read<uint8_t>("format")));
        auto flags = TRY(reader.read<uint8_t>("bitmap flags"));
        if (flags != SPICE_BITMAP_FLAGS_TOP_DOWN)
            return Error { "not top-down" };
        bitmap.width = TRY(reader.read<uint32_t>("x"));
        bitmap.height = TRY(reader.read<uint32_t>("y"));
        if (bitmap.width != width || bitmap.height != height)
            return Error { "descriptor and bitmap sizes differ" };
        bitmap.stride = TRY(reader.read<uint32_t>("stride"));
        auto palette = TRY(reader.read<uint32_t>("palette"));
        auto pixels = TRY(reader.read_bytes(size_t(bitmap.stride) * bitmap.height, "pixels"));
        bitmap.pixels.assign(pixels.begin(), pixels.end());
        if (palette) {
            WireReader entries(body.subspan(palette));
            bitmap.palette_id = TRY(entries.read<uint64_t>("palette id"));
            auto count = TRY(entries.read<uint16_t>("palette count"));
            for (uint16_t i = 0; i < count; ++i)
                bitmap.palette.push_back(TRY(entries.read<uint32_t>("palette entry")));
        }
        image.source = std::move(bitmap);
        return image;
    }
};

std::vector<uint8_t> marshal(const DrawCommand& command)
{
    std::vector<uint8_t> body;
    WireWriter writer(body);
    RawImages images;
    marshal_draw(writer, 0, command, images);
    return body;
}

DrawCommand round_trip(const DrawCommand& command)
{
    auto body = marshal(command);
    RawImageReader reader;
    auto parsed = parse_draw_message(draw_message_type(command), body, reader);
    REQUIRE_MESSAGE(parsed.ok(), parsed.error_message());
    CHECK(parsed->surface_id == command.surface_id);
    CHECK(parsed->bbox == command.bbox);
    CHECK(parsed->clip == command.clip);
    return std::move(*parsed);
}

Image bitmap_image(uint64_t id, uint32_t width, uint32_t height, uint8_t seed)
{
    Bitmap bitmap { .format = BitmapFormat::Xrgb8888, .width = width, .height = height, .stride = width * 4 };
    for (uint32_t i = 0; i < width * height * 4; ++i)
        bitmap.pixels.push_back(uint8_t(seed + i));
    return Image { .id = id, .cacheable = true, .source = std::move(bitmap) };
}

uint32_t u32_at(const std::vector<uint8_t>& bytes, size_t offset)
{
    uint32_t value;
    std::memcpy(&value, bytes.data() + offset, 4);
    return value;
}

void check_same_bitmap(const Image& got, const Image& want)
{
    CHECK(got.id == want.id);
    auto* got_bitmap = std::get_if<Bitmap>(&got.source);
    REQUIRE(got_bitmap);
    auto& want_bitmap = std::get<Bitmap>(want.source);
    CHECK(got_bitmap->format == want_bitmap.format);
    CHECK(got_bitmap->width == want_bitmap.width);
    CHECK(got_bitmap->height == want_bitmap.height);
    CHECK(got_bitmap->pixels == want_bitmap.pixels);
    CHECK(got_bitmap->palette == want_bitmap.palette);
}

}

TEST_CASE("DRAW_FILL: DisplayBase with clip rects, then brush, rop descriptor and mask, byte for byte")
{
    DrawCommand command { .surface_id = 3, .bbox = { 10, 20, 110, 220 }, .clip = std::vector<Rect> { { 10, 20, 50, 60 } },
        .operation = FillOp { .brush = SolidBrush { 0x00ABCDEF }, .rop_descriptor = SPICE_ROPD_OP_PUT } };
    CHECK(draw_message_type(command) == SPICE_MSG_DISPLAY_DRAW_FILL);
    std::vector<uint8_t> expected;
    WireWriter writer(expected);
    writer.put_u32(3);
    for (int32_t value : { 20, 10, 220, 110 }) // top, left, bottom, right
        writer.put_i32(value);
    writer.put_u8(SPICE_CLIP_TYPE_RECTS);
    writer.put_u32(1);
    for (int32_t value : { 20, 10, 60, 50 })
        writer.put_i32(value);
    writer.put_u8(SPICE_BRUSH_TYPE_SOLID);
    writer.put_u32(0x00ABCDEF);
    writer.put_u16(SPICE_ROPD_OP_PUT);
    writer.put_u8(0); // mask flags, position, no bitmap
    writer.put_i32(0);
    writer.put_i32(0);
    writer.put_u32(0);
    CHECK(marshal(command) == expected);
}

TEST_CASE("DRAW_COPY: the image follows the 57-byte fixed part, as spice-gtk read it in the verified layout")
{
    auto image = bitmap_image(0x1122334455667788, 3, 2, 7);
    DrawCommand command { .bbox = { 0, 0, 3, 2 }, .operation = CopyOp { .source = image, .source_area = { 0, 0, 3, 2 } } };
    auto body = marshal(command);
    REQUIRE(body.size() == 57 + 18 + 18 + 3 * 2 * 4);
    CHECK(u32_at(body, 21) == 57);           // src_bitmap
    CHECK(body[41] == SPICE_ROPD_OP_PUT);    // rop descriptor
    CHECK(body[43] == SPICE_IMAGE_SCALE_MODE_NEAREST);
    CHECK(u32_at(body, 53) == 0);            // no mask
    CHECK(body[57 + 8] == SPICE_IMAGE_TYPE_BITMAP);
    CHECK(body[57 + 18] == SPICE_BITMAP_FMT_32BIT);
    CHECK(body[57 + 19] == SPICE_BITMAP_FLAGS_TOP_DOWN);
    CHECK(u32_at(body, 57 + 28) == 12);      // stride
    CHECK(u32_at(body, 57 + 32) == 0);       // no palette
    CHECK(std::memcmp(body.data() + 57 + 36, std::get<Bitmap>(image.source).pixels.data(), 24) == 0);
}

TEST_CASE("a palettised bitmap's palette follows its pixels, pointed to from the bitmap")
{
    Bitmap bitmap { .format = BitmapFormat::Palette1Be, .width = 8, .height = 2, .stride = 1, .pixels = { 0xF0, 0x0F },
        .palette = { 0x000000, 0xFFFFFF }, .palette_id = 99 };
    Image image { .id = 5, .source = bitmap };
    DrawCommand command { .bbox = { 0, 0, 8, 2 }, .operation = CopyOp { .source = image, .source_area = { 0, 0, 8, 2 } } };
    auto body = marshal(command);
    size_t palette = u32_at(body, 57 + 32);
    CHECK(palette == 57 + 36 + 2);
    REQUIRE(body.size() == palette + 8 + 2 + 8);
    CHECK(body[palette] == 99);
    CHECK(body[palette + 8] == 2);
    CHECK(u32_at(body, palette + 10) == 0x000000);
    CHECK(u32_at(body, palette + 14) == 0xFFFFFF);
    auto parsed = round_trip(command);
    check_same_bitmap(std::get<CopyOp>(parsed.operation).source, image);
}

TEST_CASE("every draw operation reads back through the client's demarshaller with its fields intact")
{
    auto source = bitmap_image(41, 4, 3, 1);
    auto pattern = bitmap_image(42, 2, 2, 100);
    Mask mask { .inverted = true, .position = { 1, 2 },
        .bitmap = Image { .id = 43, .source = Bitmap { .format = BitmapFormat::Palette1Le, .width = 4, .height = 3, .stride = 1,
                              .pixels = { 1, 2, 3 }, .palette = { 0, 0xFFFFFF }, .palette_id = 7 } } };
    Rect box { 5, 6, 9, 9 };
    auto with = [&](DrawOperation operation) {
        return DrawCommand { .surface_id = 0, .bbox = box, .clip = std::vector<Rect> { { 5, 6, 7, 8 }, { 7, 6, 9, 9 } }, .operation = std::move(operation) };
    };

    SUBCASE("fill with a pattern brush and a mask")
    {
        auto parsed = round_trip(with(FillOp { .brush = PatternBrush { pattern, { 3, 4 } }, .rop_descriptor = SPICE_ROPD_OP_XOR, .mask = mask }));
        auto& fill = std::get<FillOp>(parsed.operation);
        CHECK(fill.rop_descriptor == SPICE_ROPD_OP_XOR);
        auto& brush = std::get<PatternBrush>(fill.brush);
        CHECK(brush.origin == Point { 3, 4 });
        check_same_bitmap(brush.pattern, pattern);
        REQUIRE(fill.mask);
        CHECK(fill.mask->inverted);
        CHECK(fill.mask->position == Point { 1, 2 });
        check_same_bitmap(fill.mask->bitmap, mask.bitmap);
    }
    SUBCASE("opaque")
    {
        auto parsed = round_trip(with(OpaqueOp { .source = source, .source_area = { 0, 0, 4, 3 }, .brush = SolidBrush { 9 },
            .rop_descriptor = SPICE_ROPD_OP_PUT, .scale_mode = ScaleMode::Interpolate }));
        auto& opaque = std::get<OpaqueOp>(parsed.operation);
        check_same_bitmap(opaque.source, source);
        CHECK(opaque.source_area == Rect { 0, 0, 4, 3 });
        CHECK(std::get<SolidBrush>(opaque.brush).color == 9);
        CHECK(opaque.scale_mode == ScaleMode::Interpolate);
    }
    SUBCASE("copy from another surface")
    {
        auto parsed = round_trip(with(CopyOp { .source = Image { .id = 8, .source = SurfaceImage { 2 } }, .source_area = { 1, 1, 4, 4 } }));
        auto& copy = std::get<CopyOp>(parsed.operation);
        CHECK(std::get<SurfaceImage>(copy.source.source).surface_id == 2);
        CHECK(copy.source_area == Rect { 1, 1, 4, 4 });
    }
    SUBCASE("blend")
    {
        auto parsed = round_trip(with(BlendOp { .source = source, .source_area = { 0, 0, 4, 3 }, .rop_descriptor = SPICE_ROPD_OP_AND, .mask = mask }));
        auto& blend = std::get<BlendOp>(parsed.operation);
        CHECK(blend.rop_descriptor == SPICE_ROPD_OP_AND);
        check_same_bitmap(blend.source, source);
        REQUIRE(blend.mask);
    }
    SUBCASE("transparent")
    {
        auto parsed = round_trip(with(TransparentOp { .source = source, .source_area = { 0, 0, 4, 3 }, .transparent_color = 0xFF00FF, .true_color = 0x123456 }));
        auto& transparent = std::get<TransparentOp>(parsed.operation);
        CHECK(transparent.transparent_color == 0xFF00FF);
        CHECK(transparent.true_color == 0x123456);
        check_same_bitmap(transparent.source, source);
    }
    SUBCASE("alpha blend")
    {
        auto parsed = round_trip(with(AlphaBlendOp { .alpha_flags = SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA, .alpha = 128, .source = source,
            .source_area = { 0, 0, 4, 3 } }));
        auto& alpha = std::get<AlphaBlendOp>(parsed.operation);
        CHECK(alpha.alpha_flags == SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA);
        CHECK(alpha.alpha == 128);
        check_same_bitmap(alpha.source, source);
    }
    SUBCASE("copy bits")
    {
        auto parsed = round_trip(with(CopyBitsOp { { 11, 12 } }));
        CHECK(std::get<CopyBitsOp>(parsed.operation).source_position == Point { 11, 12 });
    }
    SUBCASE("blackness, whiteness, invers")
    {
        CHECK(std::holds_alternative<BlacknessOp>(round_trip(with(BlacknessOp {})).operation));
        CHECK(std::holds_alternative<WhitenessOp>(round_trip(with(WhitenessOp {})).operation));
        auto parsed = round_trip(with(InversOp { mask }));
        REQUIRE(std::get<InversOp>(parsed.operation).mask);
    }
    SUBCASE("rop3")
    {
        auto parsed = round_trip(with(Rop3Op { .source = source, .source_area = { 0, 0, 4, 3 }, .brush = SolidBrush { 5 }, .rop3 = 0xCA }));
        auto& rop3 = std::get<Rop3Op>(parsed.operation);
        CHECK(rop3.rop3 == 0xCA);
        CHECK(std::get<SolidBrush>(rop3.brush).color == 5);
        check_same_bitmap(rop3.source, source);
    }
    SUBCASE("stroke with a dash style")
    {
        StrokeOp stroke { .path = { PathSegment { SPICE_PATH_BEGIN, { { 16, 32 }, { 48, 64 } } }, PathSegment { SPICE_PATH_END, { { 80, 96 } } } },
            .line_flags = SPICE_LINE_FLAGS_STYLED, .style = { 16, 32, 48 }, .brush = SolidBrush { 7 }, .fore_mode = 3, .back_mode = 4 };
        auto parsed = round_trip(with(stroke));
        auto& got = std::get<StrokeOp>(parsed.operation);
        REQUIRE(got.path.size() == 2);
        CHECK(got.path[0].flags == SPICE_PATH_BEGIN);
        CHECK(got.path[0].points == stroke.path[0].points);
        CHECK(got.path[1].points == stroke.path[1].points);
        CHECK(got.style == stroke.style);
        CHECK(got.fore_mode == 3);
        CHECK(got.back_mode == 4);
    }
    SUBCASE("text in 4-bit glyphs")
    {
        TextOp text { .string_flags = SPICE_STRING_FLAGS_RASTER_A4,
            .glyphs = { Glyph { { 5, 9 }, { 0, 7 }, 3, 2, { 0x12, 0x30, 0x45, 0x60 } }, Glyph { { 9, 9 }, { 1, 7 }, 1, 1, { 0xF0 } } },
            .back_area = { 5, 6, 9, 9 }, .fore_brush = SolidBrush { 1 }, .back_brush = std::monostate {}, .fore_mode = 8, .back_mode = 9 };
        auto parsed = round_trip(with(text));
        auto& got = std::get<TextOp>(parsed.operation);
        CHECK(got.string_flags == SPICE_STRING_FLAGS_RASTER_A4);
        REQUIRE(got.glyphs.size() == 2);
        CHECK(got.glyphs[0].render_position == Point { 5, 9 });
        CHECK(got.glyphs[0].origin == Point { 0, 7 });
        CHECK(got.glyphs[0].data == text.glyphs[0].data);
        CHECK(got.glyphs[1].data == text.glyphs[1].data);
        CHECK(got.back_area == text.back_area);
        CHECK(std::get<SolidBrush>(got.fore_brush).color == 1);
        CHECK(std::holds_alternative<std::monostate>(got.back_brush));
    }
}

TEST_CASE("draw_images lists source, pattern and mask in wire order; a SURFACE image gets the surface's size")
{
    auto source = bitmap_image(1, 1, 1, 0);
    auto pattern = bitmap_image(2, 1, 1, 0);
    Mask mask { .bitmap = bitmap_image(3, 1, 1, 0) };
    DrawCommand command { .operation = Rop3Op { .source = source, .brush = PatternBrush { pattern, {} }, .mask = mask } };
    auto images = draw_images(command);
    REQUIRE(images.size() == 3);
    CHECK(images[0]->id == 1);
    CHECK(images[1]->id == 2);
    CHECK(images[2]->id == 3);

    std::vector<uint8_t> bytes;
    WireWriter writer(bytes);
    write_raw_image(writer, 0, Image { .id = 9, .source = SurfaceImage { 4 } }, SPICE_IMAGE_FLAGS_CACHE_ME,
        [](uint32_t id) { return std::pair(id * 100, id * 50); });
    REQUIRE(bytes.size() == 18 + 4);
    CHECK(bytes[8] == SPICE_IMAGE_TYPE_SURFACE);
    CHECK(bytes[9] == SPICE_IMAGE_FLAGS_CACHE_ME);
    CHECK(u32_at(bytes, 10) == 400);
    CHECK(u32_at(bytes, 14) == 200);
    CHECK(u32_at(bytes, 18) == 4);
}
