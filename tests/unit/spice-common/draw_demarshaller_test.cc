#include "spice-common/draw_demarshaller.h"
#include "spice-common/wire_writer.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

using namespace spicebox;

namespace {

// Resolves every image pointer to a 1x1 bitmap whose id is the pointer, so tests see which offsets were
// followed.
class RecordingResolver : public ImageResolver {
public:
    Result<Image> resolve_image(std::span<const uint8_t> body, uint32_t offset) override
    {
        if (offset >= body.size())
            return Error { "outside" };
        Image image;
        image.id = offset;
        Bitmap bitmap;
        bitmap.width = bitmap.height = 1;
        bitmap.stride = 4;
        bitmap.pixels.assign(4, body[offset]);
        image.source = bitmap;
        return image;
    }
};

void put_rect(WireWriter& writer, int32_t left, int32_t top, int32_t right, int32_t bottom)
{
    writer.put_i32(top);
    writer.put_i32(left);
    writer.put_i32(bottom);
    writer.put_i32(right);
}

// DRAW_COPY on surface 3, box (10,20)-(30,40), two clip rectangles, source at the end of the body.
std::vector<uint8_t> draw_copy()
{
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u32(3);
    put_rect(writer, 10, 20, 30, 40);
    writer.put_u8(SPICE_CLIP_TYPE_RECTS);
    writer.put_u32(2);
    put_rect(writer, 10, 20, 20, 30);
    put_rect(writer, 20, 30, 30, 40);
    size_t source_pointer = writer.size();
    writer.put_u32(0);
    put_rect(writer, 0, 0, 20, 20);
    writer.put_u16(SPICE_ROPD_OP_PUT);
    writer.put_u8(SPICE_IMAGE_SCALE_MODE_INTERPOLATE);
    writer.put_u8(SPICE_MASK_FLAGS_INVERS);
    writer.put_i32(5);
    writer.put_i32(6);
    size_t mask_pointer = writer.size();
    writer.put_u32(0);
    writer.patch_u32(source_pointer, uint32_t(writer.size()));
    writer.put_u8(0xAB);
    writer.patch_u32(mask_pointer, uint32_t(writer.size()));
    writer.put_u8(0xCD);
    return body;
}

}

TEST_CASE("DRAW_COPY: base, clip rectangles, source and mask images followed through their pointers")
{
    RecordingResolver resolver;
    auto body = draw_copy();
    auto command = parse_draw_message(SPICE_MSG_DISPLAY_DRAW_COPY, body, resolver);
    REQUIRE_MESSAGE(command.ok(), command.error_message());
    CHECK(command->surface_id == 3);
    CHECK(command->bbox == Rect { 10, 20, 30, 40 });
    REQUIRE(command->clip.has_value());
    CHECK(command->clip->size() == 2);
    CHECK((*command->clip)[1] == Rect { 20, 30, 30, 40 });
    auto& copy = std::get<CopyOp>(command->operation);
    CHECK(copy.source.id == body.size() - 2);
    CHECK(std::get<Bitmap>(copy.source.source).pixels[0] == 0xAB);
    CHECK(copy.source_area == Rect { 0, 0, 20, 20 });
    CHECK(copy.scale_mode == ScaleMode::Interpolate);
    REQUIRE(copy.mask.has_value());
    CHECK(copy.mask->inverted);
    CHECK(copy.mask->position == Point { 5, 6 });
    CHECK(std::get<Bitmap>(copy.mask->bitmap.source).pixels[0] == 0xCD);
}

TEST_CASE("every truncation of a drawing message is an error, never a read past it")
{
    RecordingResolver resolver;
    auto body = draw_copy();
    // The images are the last two bytes; cutting into the fixed part must fail.
    for (size_t size = 0; size + 2 < body.size(); ++size) {
        std::vector<uint8_t> cut(body.begin(), body.begin() + ptrdiff_t(size));
        CHECK_FALSE(parse_draw_message(SPICE_MSG_DISPLAY_DRAW_COPY, cut, resolver).ok());
    }
}

TEST_CASE("a clip count larger than the message is refused before anything is allocated")
{
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u32(0);
    put_rect(writer, 0, 0, 1, 1);
    writer.put_u8(SPICE_CLIP_TYPE_RECTS);
    writer.put_u32(0xFFFFFFFF);
    RecordingResolver resolver;
    auto command = parse_draw_message(SPICE_MSG_DISPLAY_DRAW_BLACKNESS, body, resolver);
    REQUIRE_FALSE(command.ok());
    CHECK(command.error().message.find("clip rectangle count") != std::string::npos);
}

TEST_CASE("DRAW_FILL with a solid brush, COPY_BITS, and an unknown brush type")
{
    RecordingResolver resolver;
    std::vector<uint8_t> fill;
    WireWriter writer(fill);
    writer.put_u32(0);
    put_rect(writer, 1, 2, 3, 4);
    writer.put_u8(SPICE_CLIP_TYPE_NONE);
    writer.put_u8(SPICE_BRUSH_TYPE_SOLID);
    writer.put_u32(0x00FF8000);
    writer.put_u16(SPICE_ROPD_OP_PUT);
    writer.put_u8(0);
    writer.put_i32(0);
    writer.put_i32(0);
    writer.put_u32(0);
    auto command = parse_draw_message(SPICE_MSG_DISPLAY_DRAW_FILL, fill, resolver);
    REQUIRE_MESSAGE(command.ok(), command.error_message());
    CHECK_FALSE(command->clip.has_value());
    auto& op = std::get<FillOp>(command->operation);
    CHECK(std::get<SolidBrush>(op.brush).color == 0x00FF8000);
    CHECK_FALSE(op.mask.has_value());

    fill[21] = 7; // the brush type
    CHECK_FALSE(parse_draw_message(SPICE_MSG_DISPLAY_DRAW_FILL, fill, resolver).ok());

    std::vector<uint8_t> copy_bits;
    WireWriter bits(copy_bits);
    bits.put_u32(0);
    put_rect(bits, 0, 0, 8, 8);
    bits.put_u8(SPICE_CLIP_TYPE_NONE);
    bits.put_i32(16);
    bits.put_i32(24);
    auto moved = parse_draw_message(SPICE_MSG_DISPLAY_COPY_BITS, copy_bits, resolver);
    REQUIRE(moved.ok());
    CHECK(std::get<CopyBitsOp>(moved->operation).source_position == Point { 16, 24 });
    CHECK_FALSE(parse_draw_message(SPICE_MSG_DISPLAY_MARK, copy_bits, resolver).ok());
}

TEST_CASE("DRAW_TEXT: glyphs read from the string; glyph data past the message is refused")
{
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u32(0);
    put_rect(writer, 0, 0, 16, 16);
    writer.put_u8(SPICE_CLIP_TYPE_NONE);
    size_t string_pointer = writer.size();
    writer.put_u32(0);
    put_rect(writer, 0, 0, 16, 16);
    writer.put_u8(SPICE_BRUSH_TYPE_SOLID);
    writer.put_u32(0xFFFFFF);
    writer.put_u8(SPICE_BRUSH_TYPE_NONE);
    writer.put_u16(SPICE_ROPD_OP_PUT);
    writer.put_u16(0);
    writer.patch_u32(string_pointer, uint32_t(writer.size()));
    writer.put_u16(1);
    writer.put_u8(SPICE_STRING_FLAGS_RASTER_A1);
    writer.put_i32(2);
    writer.put_i32(12);
    writer.put_i32(0);
    writer.put_i32(-8);
    writer.put_u16(9);
    writer.put_u16(2);
    writer.put_u16(0xFF80); // two rows of 2 bytes
    writer.put_u16(0x0180);
    RecordingResolver resolver;
    auto command = parse_draw_message(SPICE_MSG_DISPLAY_DRAW_TEXT, body, resolver);
    REQUIRE_MESSAGE(command.ok(), command.error_message());
    auto& text = std::get<TextOp>(command->operation);
    REQUIRE(text.glyphs.size() == 1);
    CHECK(text.glyphs[0].render_position == Point { 2, 12 });
    CHECK(text.glyphs[0].width == 9);
    CHECK(text.glyphs[0].data.size() == 4);
    body.pop_back();
    CHECK_FALSE(parse_draw_message(SPICE_MSG_DISPLAY_DRAW_TEXT, body, resolver).ok());
}
