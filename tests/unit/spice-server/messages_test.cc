#include "spice-server/channel_messages.h"
#include "spice-server/cursor_messages.h"
#include "spice-server/display_messages.h"
#include "spice-server/inputs_channel.h"
#include "tests/unit/spice-server/spice_test_client.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

using namespace spicebox;
using namespace spicebox::test;

namespace {

template<typename Marshal>
std::vector<uint8_t> body(Marshal&& marshal)
{
    std::vector<uint8_t> out;
    WireWriter writer(out);
    marshal(writer);
    return out;
}

}

TEST_CASE("MAIN_INIT and CHANNELS_LIST bodies are the transcript's bytes")
{
    MainInit init { 0x01234567, 1, SPICE_MOUSE_MODE_SERVER | SPICE_MOUSE_MODE_CLIENT, SPICE_MOUSE_MODE_CLIENT, 0, 10, 1000000, 0 };
    CHECK(body([&](WireWriter& writer) { marshal_main_init(writer, init); })
        == std::vector<uint8_t> { 0x67, 0x45, 0x23, 0x01, 0x01, 0, 0, 0, 0x03, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0, 0, 0, 0x40, 0x42,
            0x0f, 0, 0, 0, 0, 0 });
    const ChannelAddress display[] = { { SPICE_CHANNEL_DISPLAY, 0 } };
    CHECK(body([&](WireWriter& writer) { marshal_channels_list(writer, display); }) == std::vector<uint8_t> { 1, 0, 0, 0, 2, 0 });
}

TEST_CASE("SET_ACK, MOUSE_MODE, AGENT_TOKEN, inputs and cursor INIT bodies")
{
    CHECK(body([](WireWriter& writer) { marshal_set_ack(writer, 1, 20); }) == std::vector<uint8_t> { 1, 0, 0, 0, 20, 0, 0, 0 });
    CHECK(body([](WireWriter& writer) { marshal_mouse_mode(writer, 1, 1); }) == std::vector<uint8_t> { 1, 0, 1, 0 });
    CHECK(body([](WireWriter& writer) { marshal_agent_token(writer, 1); }) == std::vector<uint8_t> { 1, 0, 0, 0 });
    CHECK(body([](WireWriter& writer) { marshal_inputs_init(writer, 0); }) == std::vector<uint8_t> { 0, 0 });
    // position, trail length and frequency, not visible, then the Cursor with flags NONE and no header.
    CHECK(body([](WireWriter& writer) { marshal_cursor_init(writer, Point {}, 0, 0, false, nullptr, 0); })
        == std::vector<uint8_t> { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 });
    CHECK(body([](WireWriter& writer) { marshal_ping(writer, 2, 0x0102030405060708); })
        == std::vector<uint8_t> { 2, 0, 0, 0, 8, 7, 6, 5, 4, 3, 2, 1 });
}

TEST_CASE("SURFACE_CREATE for a 1024x768 primary is the transcript's 20 bytes")
{
    CHECK(body([](WireWriter& writer) { marshal_surface_create(writer, 0, 1024, 768); })
        == std::vector<uint8_t> { 0, 0, 0, 0, 0x00, 0x04, 0, 0, 0x00, 0x03, 0, 0, 0x20, 0, 0, 0, 1, 0, 0, 0 });
    CHECK(body([](WireWriter& writer) { marshal_surface_destroy(writer, 0); }) == std::vector<uint8_t> { 0, 0, 0, 0 });
}

TEST_CASE("DRAW_COPY of a raw bitmap follows the verified layout, rows top-down from the area")
{
    Framebuffer screen;
    screen.resize(4, 3);
    for (uint32_t y = 0; y < 3; ++y) {
        for (uint32_t x = 0; x < 4; ++x)
            screen.row(y)[x] = 0x00100000 * y + x;
    }
    Rect area { .left = 1, .top = 1, .right = 3, .bottom = 3 };
    auto bytes = body([&](WireWriter& writer) { marshal_draw_copy_raw(writer, 0, area, 0x1122334455667788, screen); });
    REQUIRE(bytes.size() == draw_copy_raw_size(area));
    REQUIRE(bytes.size() == 57 + 18 + 18 + 2 * 2 * 4);
    CHECK(u32_at(bytes, 0) == 0);      // surface
    CHECK(u32_at(bytes, 4) == 1);      // box top
    CHECK(u32_at(bytes, 8) == 1);      // left
    CHECK(u32_at(bytes, 12) == 3);     // bottom
    CHECK(u32_at(bytes, 16) == 3);     // right
    CHECK(bytes[20] == SPICE_CLIP_TYPE_NONE);
    CHECK(u32_at(bytes, 21) == 57);    // src_bitmap -> the image
    CHECK(u32_at(bytes, 25) == 0);     // src_area top, left, bottom, right
    CHECK(u32_at(bytes, 29) == 0);
    CHECK(u32_at(bytes, 33) == 2);
    CHECK(u32_at(bytes, 37) == 2);
    CHECK((bytes[41] | bytes[42] << 8) == SPICE_ROPD_OP_PUT);
    CHECK(bytes[43] == SPICE_IMAGE_SCALE_MODE_NEAREST);
    CHECK(bytes[44] == 0);             // mask flags
    CHECK(u32_at(bytes, 53) == 0);     // no mask
    CHECK(u32_at(bytes, 57) == 0x55667788); // descriptor id
    CHECK(u32_at(bytes, 61) == 0x11223344);
    CHECK(bytes[65] == SPICE_IMAGE_TYPE_BITMAP);
    CHECK(bytes[66] == 0);
    CHECK(u32_at(bytes, 67) == 2);     // width, height
    CHECK(u32_at(bytes, 71) == 2);
    CHECK(bytes[75] == SPICE_BITMAP_FMT_32BIT);
    CHECK(bytes[76] == SPICE_BITMAP_FLAGS_TOP_DOWN);
    CHECK(u32_at(bytes, 77) == 2);
    CHECK(u32_at(bytes, 81) == 2);
    CHECK(u32_at(bytes, 85) == 8);     // stride
    CHECK(u32_at(bytes, 89) == 0);     // no palette
    CHECK(u32_at(bytes, 93) == 0x00100001);
    CHECK(u32_at(bytes, 97) == 0x00100002);
    CHECK(u32_at(bytes, 101) == 0x00200001);
    CHECK(u32_at(bytes, 105) == 0x00200002);
}

TEST_CASE("client messages: DISPLAY_INIT as spice-gtk sends it, and truncated bodies fail")
{
    const uint8_t init[] = { 0x01, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x30, 0x00 };
    auto parsed = parse_display_init(init);
    REQUIRE(parsed.ok());
    CHECK(parsed->pixmap_cache_id == 1);
    CHECK(parsed->pixmap_cache_size == 0x01400000);
    CHECK(parsed->glz_dictionary_id == 1);
    CHECK(parsed->glz_dictionary_window_size == 0x00300000);
    CHECK_FALSE(parse_display_init(std::span(init, 13)).ok());

    const uint8_t motion[] = { 0xFF, 0xFF, 0xFF, 0xFF, 2, 0, 0, 0, 1, 0 };
    auto parsed_motion = parse_mouse_motion(motion);
    REQUIRE(parsed_motion.ok());
    CHECK(parsed_motion->dx == -1);
    CHECK(parsed_motion->dy == 2);
    CHECK(parsed_motion->buttons_state == 1);
    CHECK_FALSE(parse_mouse_motion(std::span(motion, 9)).ok());
    CHECK_FALSE(parse_mouse_button(std::span(motion, 2)).ok());
    CHECK_FALSE(parse_pong(std::span(motion, 10)).ok());
    CHECK_FALSE(parse_u32_body(std::span(motion, 3), "KEY_DOWN").ok());
}

TEST_CASE("key codes: set-1 make/break codes and the 0xE0 packing become the sink's scancodes")
{
    CHECK(scancode_from_key_code(0x1E) == 0x1E);         // A down
    CHECK(scancode_from_key_code(0x9E) == 0x1E);         // A up
    CHECK(scancode_from_key_code(0x1DE0) == 0xE01D);     // right Ctrl down
    CHECK(scancode_from_key_code(0x9DE0) == 0xE01D);     // right Ctrl up
    CHECK(scancode_from_key_code(0) == std::nullopt);
    CHECK(scancode_from_key_code(0xE0) == std::nullopt);
    CHECK(scancode_from_key_code(0x1DE1) == 0xE11D);     // Pause, first half (then a plain 0x45)
    CHECK(scancode_from_key_code(0xE1) == std::nullopt);
    CHECK(scancode_from_key_code(0x1E1E) == std::nullopt);
}

TEST_CASE("MOUSE_POSITION: x, y, buttons and display id as spice-gtk sends them; truncated fails")
{
    const uint8_t position[] = { 0x20, 0x03, 0, 0, 0x58, 0x02, 0, 0, 0x05, 0, 0 };
    auto parsed = parse_mouse_position(position);
    REQUIRE(parsed.ok());
    CHECK(parsed->x == 800);
    CHECK(parsed->y == 600);
    CHECK(parsed->buttons_state == 5);
    CHECK(parsed->display_id == 0);
    CHECK_FALSE(parse_mouse_position(std::span(position, 10)).ok());
}

TEST_CASE("client-mode coordinates: first pixel 0, last pixel the absolute maximum, beyond clamped")
{
    CHECK(absolute_coordinate(0, 4) == 0);
    CHECK(absolute_coordinate(1, 4) == 21845);
    CHECK(absolute_coordinate(2, 4) == 43690);
    CHECK(absolute_coordinate(3, 4) == absolute_pointer_max);
    CHECK(absolute_coordinate(4000, 4) == absolute_pointer_max);
    CHECK(absolute_coordinate(1, 3) == 32767);
    CHECK(absolute_coordinate(5, 1) == 0);
    CHECK(absolute_coordinate(5, 0) == 0);
}

TEST_CASE("mouse mode: client mode only while the guest has an absolute pointer; each change announced")
{
    std::vector<std::pair<uint16_t, uint16_t>> announced;
    MouseMode mode([&](uint16_t supported, uint16_t current) { announced.emplace_back(supported, current); });
    CHECK(mode.supported() == SPICE_MOUSE_MODE_SERVER);
    mode.request(SPICE_MOUSE_MODE_CLIENT);
    CHECK(mode.current() == SPICE_MOUSE_MODE_SERVER);
    CHECK(announced.empty());

    mode.set_client_available(true);
    CHECK(mode.supported() == (SPICE_MOUSE_MODE_SERVER | SPICE_MOUSE_MODE_CLIENT));
    mode.request(SPICE_MOUSE_MODE_CLIENT);
    CHECK(mode.client());
    mode.request(SPICE_MOUSE_MODE_SERVER | SPICE_MOUSE_MODE_CLIENT); // not one mode
    CHECK(mode.client());
    mode.set_client_available(false);
    CHECK(mode.current() == SPICE_MOUSE_MODE_SERVER);
    using Announced = std::vector<std::pair<uint16_t, uint16_t>>;
    CHECK(announced == Announced { { 3, 1 }, { 3, 2 }, { 1, 1 } });
}
