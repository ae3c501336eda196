#include "spice-client-sdl/client_cursor.h"
#include "spice-client-sdl/client_display.h"
#include "spice-common/jpeg_codec.h"
#include "spice-common/wire_writer.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

using namespace spicebox;

namespace {

ChannelMessage surface_create(uint32_t id, uint32_t width, uint32_t height, uint32_t flags)
{
    ChannelMessage message { SPICE_MSG_DISPLAY_SURFACE_CREATE, {} };
    WireWriter writer(message.body);
    writer.put_u32(id);
    writer.put_u32(width);
    writer.put_u32(height);
    writer.put_u32(SPICE_SURFACE_FMT_32_xRGB);
    writer.put_u32(flags);
    return message;
}

void put_rect(WireWriter& writer, const Rect& rect)
{
    writer.put_i32(rect.top);
    writer.put_i32(rect.left);
    writer.put_i32(rect.bottom);
    writer.put_i32(rect.right);
}

// DRAW_COPY of a raw 32-bit bitmap filled with `color` into `box` of `surface`.
ChannelMessage draw_copy(uint32_t surface, const Rect& box, uint32_t color, uint8_t image_flags = 0, uint64_t image_id = 1)
{
    ChannelMessage message { SPICE_MSG_DISPLAY_DRAW_COPY, {} };
    WireWriter writer(message.body);
    writer.put_u32(surface);
    put_rect(writer, box);
    writer.put_u8(SPICE_CLIP_TYPE_NONE);
    writer.put_u32(21 + 36);
    put_rect(writer, Rect { 0, 0, box.width(), box.height() });
    writer.put_u16(SPICE_ROPD_OP_PUT);
    writer.put_u8(SPICE_IMAGE_SCALE_MODE_NEAREST);
    writer.put_u8(0);
    writer.put_i32(0);
    writer.put_i32(0);
    writer.put_u32(0);
    writer.put_u64(image_id);
    writer.put_u8(SPICE_IMAGE_TYPE_BITMAP);
    writer.put_u8(image_flags);
    writer.put_u32(uint32_t(box.width()));
    writer.put_u32(uint32_t(box.height()));
    writer.put_u8(SPICE_BITMAP_FMT_32BIT);
    writer.put_u8(SPICE_BITMAP_FLAGS_TOP_DOWN);
    writer.put_u32(uint32_t(box.width()));
    writer.put_u32(uint32_t(box.height()));
    writer.put_u32(uint32_t(box.width()) * 4);
    writer.put_u32(0);
    for (int32_t i = 0; i < box.width() * box.height(); ++i)
        writer.put_u32(color);
    return message;
}

}

TEST_CASE("a primary, a DRAW_COPY and the MARK: the screen shows the draw, the frame is complete")
{
    ClientDisplay display;
    CHECK_FALSE(display.frame_complete());
    REQUIRE(display.handle(surface_create(0, 64, 48, SPICE_SURFACE_FLAGS_PRIMARY)).ok());
    auto drawn = display.handle(draw_copy(0, Rect { 8, 4, 24, 12 }, 0x00FF8040));
    REQUIRE_MESSAGE(drawn.ok(), drawn.error_message());
    CHECK(display.primary_drawn());
    CHECK_FALSE(display.frame_complete());
    REQUIRE(display.handle(ChannelMessage { SPICE_MSG_DISPLAY_MARK, {} }).ok());
    CHECK(display.frame_complete());
    auto before = display.generation();
    display.refresh_screen();
    CHECK(display.generation() == before + 1);
    REQUIRE(display.screen().width == 64);
    CHECK(display.screen().at(8, 4) == 0x00FF8040);
    CHECK(display.screen().at(23, 11) == 0x00FF8040);
    CHECK(display.screen().at(24, 11) == 0);
    CHECK(display.screen().at(7, 4) == 0);
    display.refresh_screen();
    CHECK(display.generation() == before + 1); // nothing new: no bump
}

TEST_CASE("an off-screen surface copied to the primary through a SURFACE image, then a cached image reused")
{
    ClientDisplay display;
    REQUIRE(display.handle(surface_create(0, 32, 32, SPICE_SURFACE_FLAGS_PRIMARY)).ok());
    REQUIRE(display.handle(surface_create(5, 8, 8, 0)).ok());
    REQUIRE(display.handle(draw_copy(5, Rect { 0, 0, 8, 8 }, 0x00123456, SPICE_IMAGE_FLAGS_CACHE_ME, 99)).ok());

    ChannelMessage copy { SPICE_MSG_DISPLAY_DRAW_COPY, {} };
    WireWriter writer(copy.body);
    writer.put_u32(0);
    put_rect(writer, Rect { 10, 10, 18, 18 });
    writer.put_u8(SPICE_CLIP_TYPE_NONE);
    writer.put_u32(21 + 36);
    put_rect(writer, Rect { 0, 0, 8, 8 });
    writer.put_u16(SPICE_ROPD_OP_PUT);
    writer.put_u8(SPICE_IMAGE_SCALE_MODE_NEAREST);
    writer.put_u8(0);
    writer.put_i32(0);
    writer.put_i32(0);
    writer.put_u32(0);
    writer.put_u64(0);
    writer.put_u8(SPICE_IMAGE_TYPE_SURFACE);
    writer.put_u8(0);
    writer.put_u32(8);
    writer.put_u32(8);
    writer.put_u32(5);
    REQUIRE(display.handle(copy).ok());

    auto from_cache = draw_copy(0, Rect { 0, 0, 8, 8 }, 0, 0, 99);
    from_cache.body[21 + 36 + 8] = SPICE_IMAGE_TYPE_FROM_CACHE;
    from_cache.body.resize(21 + 36 + 18);
    REQUIRE(display.handle(from_cache).ok());
    display.refresh_screen();
    CHECK(display.screen().at(10, 10) == 0x00123456);
    CHECK(display.screen().at(17, 17) == 0x00123456);
    CHECK(display.screen().at(0, 0) == 0x00123456);
    CHECK(display.screen().at(9, 9) == 0);
}

TEST_CASE("bad display messages are errors: no surface, truncated, oversized, unknown stream")
{
    ClientDisplay display;
    auto no_surface = display.handle(draw_copy(3, Rect { 0, 0, 2, 2 }, 1));
    REQUIRE_FALSE(no_surface.ok());
    CHECK(no_surface.error().message == "drawing on surface 3, which does not exist");
    auto create = surface_create(0, 16, 16, SPICE_SURFACE_FLAGS_PRIMARY);
    for (size_t size = 0; size < create.body.size(); ++size) {
        ChannelMessage cut { create.type, std::vector<uint8_t>(create.body.begin(), create.body.begin() + ptrdiff_t(size)) };
        CHECK_FALSE(display.handle(cut).ok());
    }
    CHECK_FALSE(display.handle(surface_create(1, 100000, 16, 0)).ok());
    CHECK_FALSE(display.handle(surface_create(1, 0, 16, 0)).ok());
    REQUIRE(display.handle(create).ok());
    auto draw = draw_copy(0, Rect { 0, 0, 4, 4 }, 7);
    for (size_t size = 0; size < draw.body.size(); size += 7) {
        ChannelMessage cut { draw.type, std::vector<uint8_t>(draw.body.begin(), draw.body.begin() + ptrdiff_t(size)) };
        CHECK_FALSE(display.handle(cut).ok());
    }
    ChannelMessage stream_data { SPICE_MSG_DISPLAY_STREAM_DATA, {} };
    WireWriter writer(stream_data.body);
    writer.put_u32(3);
    writer.put_u32(0);
    writer.put_u32(0);
    CHECK_FALSE(display.handle(stream_data).ok());
}

TEST_CASE("surfaces beyond the host memory budget are refused")
{
    // 64 surfaces of 16384x1024 would be 4 GiB.
    ClientDisplay display;
    uint32_t created = 0;
    while (created < 64 && display.handle(surface_create(created + 1, 16384, 1024, 0)).ok())
        ++created;
    CHECK(created == 16);
    // Destroying one makes room again.
    REQUIRE(display.handle(ChannelMessage { SPICE_MSG_DISPLAY_SURFACE_DESTROY, { 1, 0, 0, 0 } }).ok());
    CHECK(display.handle(surface_create(100, 16384, 1024, 0)).ok());
}

TEST_CASE("an MJPEG stream's frames are drawn at its destination, bottom-up frames flipped")
{
    ClientDisplay display;
    REQUIRE(display.handle(surface_create(0, 64, 64, SPICE_SURFACE_FLAGS_PRIMARY)).ok());
    ChannelMessage create { SPICE_MSG_DISPLAY_STREAM_CREATE, {} };
    WireWriter writer(create.body);
    writer.put_u32(0);
    writer.put_u32(2);
    writer.put_u8(0); // bottom-up
    writer.put_u8(SPICE_VIDEO_CODEC_TYPE_MJPEG);
    writer.put_u64(0);
    for (int i = 0; i < 4; ++i)
        writer.put_u32(16);
    put_rect(writer, Rect { 32, 32, 48, 48 });
    writer.put_u8(SPICE_CLIP_TYPE_NONE);
    REQUIRE(display.handle(create).ok());

    // 16x16: top half white, bottom half black.
    Bitmap frame;
    frame.width = frame.height = 16;
    frame.stride = 64;
    frame.pixels.assign(64 * 16, 0);
    std::fill(frame.pixels.begin(), frame.pixels.begin() + 64 * 8, 0xFF);
    auto jpeg = encode_jpeg(frame, 95);
    REQUIRE(jpeg.ok());
    ChannelMessage data { SPICE_MSG_DISPLAY_STREAM_DATA, {} };
    WireWriter data_writer(data.body);
    data_writer.put_u32(2);
    data_writer.put_u32(1000);
    data_writer.put_u32(uint32_t(jpeg->size()));
    data_writer.put_bytes(*jpeg);
    auto drawn = display.handle(data);
    REQUIRE_MESSAGE(drawn.ok(), drawn.error_message());
    display.refresh_screen();
    // Bottom-up: the white half lands at the bottom of the destination.
    CHECK((display.screen().at(40, 46) & 0xFF) > 0xE0);
    CHECK((display.screen().at(40, 33) & 0xFF) < 0x20);
    CHECK(display.screen().at(20, 20) == 0);
    REQUIRE(display.handle(ChannelMessage { SPICE_MSG_DISPLAY_STREAM_DESTROY, { 2, 0, 0, 0 } }).ok());
    CHECK_FALSE(display.handle(data).ok());
}

TEST_CASE("cursor: an ALPHA shape cached, taken from the cache, hidden, and a cache miss refused")
{
    ClientCursor cursor;
    ChannelMessage set { SPICE_MSG_CURSOR_SET, {} };
    WireWriter writer(set.body);
    writer.put<int16_t>(10);
    writer.put<int16_t>(20);
    writer.put_u8(1);
    writer.put_u16(SPICE_CURSOR_FLAGS_CACHE_ME);
    writer.put_u64(77);
    writer.put_u8(SPICE_CURSOR_TYPE_ALPHA);
    writer.put_u16(2);
    writer.put_u16(1);
    writer.put_u16(1);
    writer.put_u16(0);
    writer.put_u32(0x80FF0000);
    writer.put_u32(0xFF00FF00);
    REQUIRE(cursor.handle(set).ok());
    CHECK(cursor.cursor().visible);
    CHECK(cursor.cursor().x == 10);
    CHECK(cursor.cursor().hot_x == 1);
    CHECK(cursor.cursor().image.at(1, 0) == 0xFF00FF00);
    CHECK(cursor.cached_shapes() == 1);
    auto generation = cursor.cursor().generation;
    REQUIRE(cursor.handle(ChannelMessage { SPICE_MSG_CURSOR_HIDE, {} }).ok());
    CHECK_FALSE(cursor.cursor().visible);
    CHECK(cursor.cursor().generation == generation + 1);

    ChannelMessage cached = set;
    cached.body[5] = SPICE_CURSOR_FLAGS_FROM_CACHE;
    cached.body.resize(5 + 2 + 17);
    REQUIRE(cursor.handle(cached).ok());
    CHECK(cursor.cursor().image.at(0, 0) == 0x80FF0000);
    cached.body[7] = 78; // another unique
    CHECK_FALSE(cursor.handle(cached).ok());
    set.body.resize(set.body.size() - 1); // shape data short of 2x1 pixels
    set.body[7] = 79;
    CHECK_FALSE(cursor.handle(set).ok());
}
