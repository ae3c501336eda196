#include "spice-client-sdl/client_cursor.h"
#include "spice-client-sdl/client_display.h"
#include "spice-client-sdl/client_link.h"
#include "spice-client-sdl/client_main.h"
#include "spice-common/jpeg_codec.h"
#include "spice-common/wire_writer.h"

#include <cstring>
#include <doctest/doctest.h>
#include <limits>
#include <spice/enums.h>
#include <spice/protocol.h>

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

ChannelMessage stream_create(uint32_t id, uint8_t flags, const Rect& dest)
{
    ChannelMessage message { SPICE_MSG_DISPLAY_STREAM_CREATE, {} };
    WireWriter writer(message.body);
    writer.put_u32(0);
    writer.put_u32(id);
    writer.put_u8(flags);
    writer.put_u8(SPICE_VIDEO_CODEC_TYPE_MJPEG);
    writer.put_u64(0);
    for (int i = 0; i < 4; ++i)
        writer.put_u32(16);
    put_rect(writer, dest);
    writer.put_u8(SPICE_CLIP_TYPE_NONE);
    return message;
}

ChannelMessage stream_data(uint32_t id, uint32_t mm_time, const std::vector<uint8_t>& jpeg)
{
    ChannelMessage message { SPICE_MSG_DISPLAY_STREAM_DATA, {} };
    WireWriter writer(message.body);
    writer.put_u32(id);
    writer.put_u32(mm_time);
    writer.put_u32(uint32_t(jpeg.size()));
    writer.put_bytes(jpeg);
    return message;
}

// A 16x16 JPEG of one grey level.
std::vector<uint8_t> solid_jpeg(uint8_t level)
{
    Bitmap frame;
    frame.width = frame.height = 16;
    frame.stride = 64;
    frame.pixels.assign(64 * 16, level);
    return encode_jpeg(frame, 95).value();
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

TEST_CASE("a draw whose bounding box spans the int32 range is measured without overflow (client_display fuzzer)")
{
    ClientDisplay display;
    REQUIRE(display.handle(surface_create(0, 64, 48, SPICE_SURFACE_FLAGS_PRIMARY)).ok());
    auto draw = draw_copy(0, Rect { 0, 8, 1, 9 }, 0x123456);
    int32_t left = std::numeric_limits<int32_t>::min() + 8;
    std::memcpy(draw.body.data() + 8, &left, sizeof left); // the bounding box's left, after surface id and top
    auto before = display.major_generation();
    REQUIRE(display.handle(draw).ok());
    CHECK(display.major_generation() == before + 1);
}

TEST_CASE("surfaces beyond the host memory budget are refused")
{
    // 64 surfaces of 16384x1024 would be 4 GiB; 4 fill the 256 MiB budget.
    ClientDisplay display;
    // One 16384x12288 surface (768 MiB) is refused whole (client_display fuzzer: out of memory).
    CHECK_FALSE(display.handle(surface_create(1, 16384, 12288, SPICE_SURFACE_FLAGS_PRIMARY)).ok());
    uint32_t created = 0;
    while (created < 64 && display.handle(surface_create(created + 1, 16384, 1024, 0)).ok())
        ++created;
    CHECK(created == 4);
    // Destroying one makes room again.
    REQUIRE(display.handle(ChannelMessage { SPICE_MSG_DISPLAY_SURFACE_DESTROY, { 1, 0, 0, 0 } }).ok());
    CHECK(display.handle(surface_create(100, 16384, 1024, 0)).ok());
}

TEST_CASE("an MJPEG stream's frames are drawn at its destination, bottom-up frames flipped")
{
    ClientDisplay display;
    REQUIRE(display.handle(surface_create(0, 64, 64, SPICE_SURFACE_FLAGS_PRIMARY)).ok());
    REQUIRE(display.handle(stream_create(2, 0, Rect { 32, 32, 48, 48 })).ok()); // bottom-up

    // 16x16: top half white, bottom half black.
    Bitmap frame;
    frame.width = frame.height = 16;
    frame.stride = 64;
    frame.pixels.assign(64 * 16, 0);
    std::fill(frame.pixels.begin(), frame.pixels.begin() + 64 * 8, 0xFF);
    auto jpeg = encode_jpeg(frame, 95);
    REQUIRE(jpeg.ok());
    auto data = stream_data(2, 1000, *jpeg);
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

namespace {

// A display with a fake clock, a 64x64 primary and stream 1 at (32,32)-(48,48).
struct TimedDisplay {
    std::chrono::steady_clock::time_point now { std::chrono::hours(1) };
    ClientDisplay display { [this] { return now; } };

    TimedDisplay()
    {
        REQUIRE(display.handle(surface_create(0, 64, 64, SPICE_SURFACE_FLAGS_PRIMARY)).ok());
        REQUIRE(display.handle(stream_create(1, SPICE_STREAM_FLAGS_TOP_DOWN, Rect { 32, 32, 48, 48 })).ok());
    }
    // The grey level the stream's area shows.
    uint32_t shown()
    {
        display.refresh_screen();
        return display.screen().at(40, 40) & 0xFF;
    }
    void pass(std::chrono::milliseconds time)
    {
        now += time;
        REQUIRE(display.present_due_frames().ok());
    }
};

bool near(uint32_t level, uint32_t wanted) { return level + 8 > wanted && level < wanted + 8; }

}

TEST_CASE("a stream frame is drawn when the server's multimedia clock reaches its time")
{
    using namespace std::chrono_literals;
    TimedDisplay timed;
    timed.display.set_multi_media_time(5000);
    timed.pass(100ms); // the server's clock is now at 5100
    REQUIRE(timed.display.handle(stream_data(1, 5400, solid_jpeg(200))).ok());
    CHECK(timed.shown() == 0);
    CHECK(timed.display.pending_frames() == 1);
    REQUIRE(timed.display.next_frame_due().has_value());
    CHECK(*timed.display.next_frame_due() == timed.now + 300ms);
    timed.pass(299ms);
    CHECK(timed.shown() == 0);
    timed.pass(1ms);
    CHECK(near(timed.shown(), 200));
    CHECK(timed.display.pending_frames() == 0);
    CHECK_FALSE(timed.display.next_frame_due().has_value());

    // MULTI_MEDIA_TIME moves the estimate: the server says its clock is at 9000 now.
    timed.display.set_multi_media_time(9000);
    REQUIRE(timed.display.handle(stream_data(1, 9050, solid_jpeg(100))).ok());
    CHECK(*timed.display.next_frame_due() == timed.now + 50ms);
    timed.pass(50ms);
    CHECK(near(timed.shown(), 100));
}

TEST_CASE("late frames and frames before the server's time is known are drawn at once; far ones wait at most kMaxFrameWait")
{
    using namespace std::chrono_literals;
    TimedDisplay timed;
    REQUIRE(timed.display.handle(stream_data(1, 123456, solid_jpeg(60))).ok());
    CHECK(near(timed.shown(), 60)); // no clock yet

    timed.display.set_multi_media_time(5000);
    REQUIRE(timed.display.handle(stream_data(1, 4000, solid_jpeg(120))).ok());
    CHECK(near(timed.shown(), 120));

    REQUIRE(timed.display.handle(stream_data(1, 5000 + 3600 * 1000, solid_jpeg(180))).ok());
    CHECK(near(timed.shown(), 120));
    CHECK(*timed.display.next_frame_due() == timed.now + ClientDisplay::kMaxFrameWait);
    timed.pass(ClientDisplay::kMaxFrameWait);
    CHECK(near(timed.shown(), 180));

    // Times wrap at 2^32 ms: 0x40 comes 0x140 ms after 0xFFFFFF00.
    timed.display.set_multi_media_time(0xFFFFFF00);
    REQUIRE(timed.display.handle(stream_data(1, 0x40, solid_jpeg(240))).ok());
    CHECK(*timed.display.next_frame_due() == timed.now + 320ms);
}

TEST_CASE("a stream's waiting frames keep their order, are drawn before its clip changes or it ends, and are bounded")
{
    using namespace std::chrono_literals;
    TimedDisplay timed;
    timed.display.set_multi_media_time(1000);
    // The second frame is stamped earlier than the first: it still comes after it.
    REQUIRE(timed.display.handle(stream_data(1, 1200, solid_jpeg(50))).ok());
    REQUIRE(timed.display.handle(stream_data(1, 1100, solid_jpeg(150))).ok());
    CHECK(timed.display.pending_frames() == 2);
    timed.pass(150ms);
    CHECK(timed.shown() == 0);
    timed.pass(50ms);
    CHECK(near(timed.shown(), 150));

    REQUIRE(timed.display.handle(stream_data(1, 1700, solid_jpeg(90))).ok());
    CHECK(timed.display.pending_frames() == 1);
    REQUIRE(timed.display.handle(ChannelMessage { SPICE_MSG_DISPLAY_STREAM_DESTROY, { 1, 0, 0, 0 } }).ok());
    CHECK(near(timed.shown(), 90));
    CHECK(timed.display.pending_frames() == 0);

    REQUIRE(timed.display.handle(stream_create(1, SPICE_STREAM_FLAGS_TOP_DOWN, Rect { 32, 32, 48, 48 })).ok());
    auto frame = solid_jpeg(30);
    for (size_t i = 0; i < ClientDisplay::kMaxPendingFrames + 10; ++i)
        REQUIRE(timed.display.handle(stream_data(1, 1900, frame)).ok());
    CHECK(timed.display.pending_frames() == ClientDisplay::kMaxPendingFrames);
    CHECK(near(timed.shown(), 30)); // the oldest ones were drawn to make room

    // A RESET drops them with the surfaces; nothing is left to wait for.
    REQUIRE(timed.display.handle(ChannelMessage { SPICE_MSG_DISPLAY_RESET, {} }).ok());
    CHECK(timed.display.pending_frames() == 0);
    CHECK_FALSE(timed.display.next_frame_due().has_value());
}

TEST_CASE("the main channel: MAIN_INIT and MULTI_MEDIA_TIME set the display's clock, the channel list opens channels")
{
    using namespace std::chrono_literals;
    TimedDisplay timed;
    ChannelConnection channel(-1, SPICE_CHANNEL_MAIN, true);
    std::vector<std::pair<uint8_t, uint8_t>> opened;
    ClientMain main(channel, timed.display, [&](uint8_t type, uint8_t id) -> Result<void> {
        opened.emplace_back(type, id);
        return {};
    });
    ChannelMessage init { SPICE_MSG_MAIN_INIT, {} };
    WireWriter writer(init.body);
    for (uint32_t value : { 7u, 1u, uint32_t(SPICE_MOUSE_MODE_SERVER | SPICE_MOUSE_MODE_CLIENT), uint32_t(SPICE_MOUSE_MODE_SERVER), 0u, 0u, 3000u, 0u })
        writer.put_u32(value);
    auto cut = init;
    cut.body.resize(6 * 4); // without the multimedia time
    CHECK_FALSE(main.handle(cut).ok());
    REQUIRE(main.handle(init).ok());
    CHECK(main.session_id() == 7);
    CHECK(channel.wants_write()); // ATTACH_CHANNELS
    REQUIRE(timed.display.handle(stream_data(1, 3040, solid_jpeg(70))).ok());
    CHECK(*timed.display.next_frame_due() == timed.now + 40ms);

    // The server's clock jumped ahead: the next frame's wait counts from the new time.
    ChannelMessage time { SPICE_MSG_MAIN_MULTI_MEDIA_TIME, {} };
    WireWriter(time.body).put_u32(3100);
    REQUIRE(main.handle(time).ok());
    REQUIRE(timed.display.handle(stream_data(1, 3150, solid_jpeg(110))).ok());
    CHECK(*timed.display.next_frame_due() == timed.now + 40ms);
    timed.pass(40ms);
    CHECK(near(timed.shown(), 70));
    CHECK(*timed.display.next_frame_due() == timed.now + 10ms);
    timed.pass(10ms);
    CHECK(near(timed.shown(), 110));

    ChannelMessage list { SPICE_MSG_MAIN_CHANNELS_LIST, {} };
    WireWriter list_writer(list.body);
    list_writer.put_u32(2);
    list_writer.put_u8(SPICE_CHANNEL_INPUTS);
    list_writer.put_u8(0);
    list_writer.put_u8(SPICE_CHANNEL_DISPLAY);
    list_writer.put_u8(0);
    REQUIRE(main.handle(list).ok());
    CHECK(opened == std::vector<std::pair<uint8_t, uint8_t>> { { SPICE_CHANNEL_INPUTS, 0 }, { SPICE_CHANNEL_DISPLAY, 0 } });
    list.body[6] = SPICE_CHANNEL_CURSOR;
    auto no_display = main.handle(list);
    REQUIRE_FALSE(no_display.ok());
    CHECK(no_display.error().message == "the server has no display channel");
}

TEST_CASE("PREFERRED_COMPRESSION: one byte naming the compression, only to a server with the capability; LZ4 offered on request")
{
    std::vector<uint32_t> with_cap { 1u << SPICE_DISPLAY_CAP_PREF_COMPRESSION };
    auto raw = ClientDisplay::preferred_compression_message(with_cap, SPICE_IMAGE_COMPRESSION_OFF);
    REQUIRE(raw.has_value());
    CHECK(*raw == std::vector<uint8_t> { uint8_t(SPICE_IMAGE_COMPRESSION_OFF) });
    auto lz4 = ClientDisplay::preferred_compression_message(with_cap, SPICE_IMAGE_COMPRESSION_LZ4);
    REQUIRE(lz4.has_value());
    CHECK(*lz4 == std::vector<uint8_t> { uint8_t(SPICE_IMAGE_COMPRESSION_LZ4) });

    std::vector<uint32_t> without_cap { 1u << SPICE_DISPLAY_CAP_LZ4_COMPRESSION };
    CHECK_FALSE(ClientDisplay::preferred_compression_message(without_cap, SPICE_IMAGE_COMPRESSION_LZ4).has_value());
    CHECK_FALSE(ClientDisplay::preferred_compression_message({}, SPICE_IMAGE_COMPRESSION_OFF).has_value());

    CHECK(has_cap(ClientDisplay::channel_caps(), SPICE_DISPLAY_CAP_LZ4_COMPRESSION));
    auto without_lz4 = ClientDisplay::channel_caps(false);
    CHECK_FALSE(has_cap(without_lz4, SPICE_DISPLAY_CAP_LZ4_COMPRESSION));
    CHECK(has_cap(without_lz4, SPICE_DISPLAY_CAP_MULTI_CODEC));
}
