#include "spice-server/cursor_messages.h"
#include "spice-server/cursor_stream.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

#include <poll.h>

using namespace spicebox;

namespace {

CursorShape shape(uint64_t unique, uint16_t width, uint16_t height)
{
    CursorShape out;
    out.unique = unique;
    out.type = CursorType::Alpha;
    out.width = width;
    out.height = height;
    out.hot_spot_x = 1;
    out.hot_spot_y = 2;
    out.data.assign(size_t(width) * height * 4, 0xAB);
    return out;
}

template<typename Marshal>
std::vector<uint8_t> body(Marshal&& marshal)
{
    std::vector<uint8_t> out;
    WireWriter writer(out);
    marshal(writer);
    return out;
}

bool readable(int fd)
{
    pollfd ready { fd, POLLIN, 0 };
    return poll(&ready, 1, 0) == 1;
}

}

TEST_CASE("cursor messages: SET carries the 17-byte header and the data unless FROM_CACHE; NONE has neither")
{
    auto arrow = shape(0x1122334455667788, 2, 3);
    auto set = body([&](WireWriter& w) { marshal_cursor_set(w, Point { -5, 40000 }, true, &arrow, SPICE_CURSOR_FLAGS_CACHE_ME); });
    REQUIRE(set.size() == 4 + 1 + 2 + 17 + 24);
    CHECK(set[0] == 0xFB); // -5
    CHECK(set[1] == 0xFF);
    CHECK(set[2] == 0xFF); // 40000 clamped to 32767
    CHECK(set[3] == 0x7F);
    CHECK(set[4] == 1);
    CHECK(set[5] == SPICE_CURSOR_FLAGS_CACHE_ME);
    CHECK(set[7] == 0x88); // unique, little-endian
    CHECK(set[14] == 0x11);
    CHECK(set[15] == SPICE_CURSOR_TYPE_ALPHA);
    CHECK(set[16] == 2);  // width
    CHECK(set[18] == 3);  // height
    CHECK(set[20] == 1);  // hot spot x
    CHECK(set[22] == 2);  // hot spot y
    CHECK(set[24] == 0xAB);

    auto cached = body([&](WireWriter& w) { marshal_cursor_set(w, Point {}, true, &arrow, SPICE_CURSOR_FLAGS_FROM_CACHE); });
    CHECK(cached.size() == 4 + 1 + 2 + 17);
    auto none = body([&](WireWriter& w) { marshal_cursor_set(w, Point {}, false, nullptr, 0); });
    CHECK(none == std::vector<uint8_t> { 0, 0, 0, 0, 0, SPICE_CURSOR_FLAGS_NONE, 0 });

    auto init = body([&](WireWriter& w) { marshal_cursor_init(w, Point { 3, 4 }, 5, 6, true, &arrow, 0); });
    CHECK(init.size() == 4 + 2 + 2 + 1 + 2 + 17 + 24);
    CHECK(init[4] == 5);
    CHECK(init[6] == 6);
    CHECK(init[8] == 1);
    CHECK(body([](WireWriter& w) { marshal_cursor_move(w, Point { 258, 1 }); }) == std::vector<uint8_t> { 2, 1, 1, 0 });
    CHECK(body([](WireWriter& w) { marshal_cursor_trail(w, 7, 9); }) == std::vector<uint8_t> { 7, 0, 9, 0 });
    CHECK(body([](WireWriter& w) { marshal_cursor_inval_one(w, 0x0102); }) == std::vector<uint8_t> { 2, 1, 0, 0, 0, 0, 0, 0 });
}

TEST_CASE("cursor stream: commands pass in order, the state follows them, and a lagging consumer is told to resend")
{
    auto stream = CursorStream::create();
    REQUIRE(stream.ok());
    auto& cursors = **stream;
    CHECK_FALSE(readable(cursors.event_fd()));
    CHECK(cursors.state().shape == nullptr);

    cursors.post(CursorSet { Point { 10, 20 }, false, shape(9, 1, 1) });
    cursors.post(CursorMove { Point { 30, 40 } });
    cursors.post(CursorTrail { 2, 3 });
    CHECK(readable(cursors.event_fd()));
    auto state = cursors.state();
    CHECK(state.position == Point { 30, 40 });
    CHECK(state.visible); // MOVE shows the cursor
    REQUIRE(state.shape);
    CHECK(state.shape->unique == 9);
    CHECK(state.trail_length == 2);
    CHECK(state.trail_frequency == 3);

    auto batch = cursors.take();
    CHECK_FALSE(batch.overflowed);
    REQUIRE(batch.commands.size() == 3);
    CHECK(std::holds_alternative<CursorSet>(batch.commands[0]));
    CHECK(std::holds_alternative<CursorMove>(batch.commands[1]));
    CHECK_FALSE(readable(cursors.event_fd()));

    cursors.post(CursorHide {});
    CHECK_FALSE(cursors.state().visible);
    for (size_t i = 0; i < kMaxQueuedCursorCommands + 10; ++i)
        cursors.post(CursorMove { Point { int32_t(i), 0 } });
    batch = cursors.take();
    CHECK(batch.overflowed);
    CHECK(batch.commands.size() == kMaxQueuedCursorCommands);
    CHECK(cursors.state().position == Point { int32_t(kMaxQueuedCursorCommands + 9), 0 });
    CHECK_FALSE(cursors.take().overflowed);
}

TEST_CASE("cursor stream: a reset leaves no shape, a shown cursor at the origin and no trail")
{
    auto stream = CursorStream::create();
    REQUIRE(stream.ok());
    auto& cursors = **stream;
    cursors.post(CursorSet { Point { 10, 20 }, false, shape(9, 1, 1) });
    cursors.post(CursorTrail { 2, 3 });
    cursors.post(CursorReset {});
    auto state = cursors.state();
    CHECK(state.shape == nullptr);
    CHECK(state.visible);
    CHECK(state.position == Point {});
    CHECK(state.trail_length == 0);
    CHECK(state.trail_frequency == 0);
    auto batch = cursors.take();
    REQUIRE(batch.commands.size() == 3);
    CHECK(std::holds_alternative<CursorReset>(batch.commands[2]));
}
