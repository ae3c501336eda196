// Input end to end without a real client: a scripted SPICE client links main and inputs to spicebox
// running the demo guest, sends keys and mouse events as spice-gtk 0.42 encodes them, and the guest
// reports on serial what it read from the i8042 and its vmmouse: every key as its set-1 bytes, the
// pointer's motion and buttons (server mouse mode), its position (client mouse mode); the typed letter
// shows on its screen. And the cursor channel: the demo's QXL cursor shape arrives in CURSOR_INIT.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/interop/spicebox_process.h"
#include "tests/support/png_reader.h"
#include "tests/unit/spice-server/spice_test_client.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spice/enums.h>
#include <spice/protocol.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <sstream>

using namespace spicebox;
using namespace spicebox::test;

namespace {

constexpr int kReceiveTimeoutMs = 10000;
constexpr size_t kPublicKeyOffset = 4; // in SpiceLinkReply, after the error word
constexpr size_t kPublicKeyBytes = SPICE_TICKET_PUBKEY_BYTES;

// One channel's connection, blocking with a timeout.
class ScriptedChannel {
public:
    explicit ScriptedChannel(uint16_t port)
    {
        m_fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        m_connected = connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    }
    ~ScriptedChannel() { close(m_fd); }
    ScriptedChannel(const ScriptedChannel&) = delete;
    ScriptedChannel& operator=(const ScriptedChannel&) = delete;

    bool connected() const { return m_connected; }

    void send(const std::vector<uint8_t>& bytes)
    {
        size_t done = 0;
        while (done < bytes.size()) {
            ssize_t count = ::send(m_fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            REQUIRE(count > 0);
            done += size_t(count);
        }
    }
    std::vector<uint8_t> receive(size_t count)
    {
        std::vector<uint8_t> bytes(count);
        size_t done = 0;
        while (done < count) {
            pollfd ready { m_fd, POLLIN, 0 };
            REQUIRE_MESSAGE(poll(&ready, 1, kReceiveTimeoutMs) == 1, "the server sent nothing for 10 s");
            ssize_t got = recv(m_fd, bytes.data() + done, count - done, 0);
            REQUIRE_MESSAGE(got > 0, "the server closed the connection");
            done += size_t(got);
        }
        return bytes;
    }
    // Links the channel with an empty password (the server runs with disable-ticketing); true on OK.
    bool link(uint32_t connection_id, uint8_t channel_type)
    {
        send(link_message(connection_id, channel_type, 0, kSpiceGtkCommonCaps, {}));
        auto header = receive(sizeof(SpiceLinkHeader));
        auto reply = receive(u32_at(header, offsetof(SpiceLinkHeader, size)));
        if (u32_at(reply, 0) != SPICE_LINK_ERR_OK)
            return false;
        std::vector<uint8_t> auth;
        WireWriter(auth).put_u32(SPICE_COMMON_CAP_AUTH_SPICE);
        auto ticket = encrypt_ticket(std::span(reply.data() + kPublicKeyOffset, kPublicKeyBytes), "");
        auth.insert(auth.end(), ticket.begin(), ticket.end());
        send(auth);
        return u32_at(receive(4), 0) == SPICE_LINK_ERR_OK;
    }
    void send_message(uint16_t type, const std::vector<uint8_t>& body)
    {
        std::vector<uint8_t> bytes;
        WireWriter writer(bytes);
        writer.put(SpiceMiniDataHeader { type, uint32_t(body.size()) });
        writer.put_bytes(body);
        send(bytes);
    }
    // Skips messages until one of `type`; returns its body.
    std::vector<uint8_t> receive_until(uint16_t type)
    {
        for (int skipped = 0; skipped < 100; ++skipped) {
            auto header = receive(sizeof(SpiceMiniDataHeader));
            uint16_t got;
            std::memcpy(&got, header.data(), sizeof got);
            auto body = receive(u32_at(header, sizeof got));
            if (got == type)
                return body;
        }
        FAIL("no message of type " << type << " among the first 100");
        return {};
    }

private:
    int m_fd { -1 };
    bool m_connected { false };
};

std::vector<uint8_t> key_body(uint32_t code)
{
    std::vector<uint8_t> body;
    WireWriter(body).put_u32(code);
    return body;
}

std::vector<uint8_t> motion_body(int32_t dx, int32_t dy, uint16_t buttons)
{
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_i32(dx);
    writer.put_i32(dy);
    writer.put_u16(buttons);
    return body;
}

std::vector<uint8_t> button_body(uint8_t button, uint16_t buttons)
{
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u8(button);
    writer.put_u16(buttons);
    return body;
}

// Where the demo shows typed characters: after "KEYS: " in its first window, 8 x 14 pixels per
// character, in this ink.
constexpr uint32_t kTypedLeft = 60 + 16 + 6 * 8;
constexpr uint32_t kTypedTop = 60 + 24 + 16 + 5 * 20 + 8;
constexpr uint32_t kCellWidth = 8;
constexpr uint32_t kCellHeight = 14;
constexpr uint32_t kTypedInk = 0x962828;

size_t ink_pixels_in_cell(const Framebuffer& screen, unsigned cell)
{
    size_t count = 0;
    for (uint32_t y = kTypedTop; y < kTypedTop + kCellHeight; ++y) {
        for (uint32_t x = kTypedLeft + cell * kCellWidth; x < kTypedLeft + (cell + 1) * kCellWidth; ++x)
            count += screen.at(x, y) == kTypedInk;
    }
    return count;
}

// The guest's "demo: key ..." lines, in order.
std::vector<std::string> key_lines(const std::string& out)
{
    std::vector<std::string> lines;
    std::istringstream stream(out);
    for (std::string line; std::getline(stream, line);) {
        if (line.starts_with("demo: key "))
            lines.push_back(line.substr(10));
    }
    return lines;
}

}

TEST_CASE("spice input: a scripted client's keys and mouse reach the demo guest through the i8042" * doctest::test_suite(kNeedsKvm))
{
    auto screenshot = "/tmp/spicebox-interop-" + std::to_string(getpid()) + "-input.png";
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", "demo", "--append", "demo.seconds=0", "--spice", "port=0,disable-ticketing", "--timeout", "20", "--screenshot", screenshot });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    // Keys sent before the guest listens would be dropped with its start-up reads.
    REQUIRE_MESSAGE(spicebox.wait_for_output("demo: listening to the keyboard and mouse\n", std::chrono::seconds(15)),
        (spicebox.out() + spicebox.err()));

    auto port = uint16_t(std::stoi(spicebox.port()));
    ScriptedChannel main(port);
    REQUIRE(main.connected());
    REQUIRE(main.link(0, SPICE_CHANNEL_MAIN));
    auto init = main.receive_until(SPICE_MSG_MAIN_INIT);
    uint32_t session = u32_at(init, 0);
    // The session's other channels link after the channels list, as spice-gtk's do.
    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    main.receive_until(SPICE_MSG_MAIN_CHANNELS_LIST);
    ScriptedChannel inputs(port);
    REQUIRE(inputs.link(session, SPICE_CHANNEL_INPUTS));
    inputs.receive_until(SPICE_MSG_INPUTS_INIT);

    // As spice-gtk puts them on the wire: 'a' (1E, release 9E), right arrow (E0 4D) and right ctrl
    // (E0 1D) with the E0 in the low byte.
    struct Key {
        uint16_t type;
        uint32_t code;
    };
    for (Key key : { Key { SPICE_MSGC_INPUTS_KEY_DOWN, 0x1E }, Key { SPICE_MSGC_INPUTS_KEY_UP, 0x9E }, Key { SPICE_MSGC_INPUTS_KEY_DOWN, 0x4DE0 },
             Key { SPICE_MSGC_INPUTS_KEY_UP, 0xCDE0 }, Key { SPICE_MSGC_INPUTS_KEY_DOWN, 0x1DE0 }, Key { SPICE_MSGC_INPUTS_KEY_UP, 0x9DE0 } })
        inputs.send_message(key.type, key_body(key.code));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: key e0 9d\n", std::chrono::seconds(10)), (spicebox.out()));
    CHECK(key_lines(spicebox.out()) == std::vector<std::string> { "1e", "9e", "e0 4d", "e0 cd", "e0 1d", "e0 9d" });

    // Each step waits for the guest's report, so each report holds exactly one step.
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_MOTION, motion_body(10, 5, 0));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: pointer 10 5 0\n", std::chrono::seconds(10)), (spicebox.out()));
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_PRESS, button_body(SPICE_MOUSE_BUTTON_LEFT, SPICE_MOUSE_BUTTON_MASK_LEFT));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: pointer 0 0 1\n", std::chrono::seconds(10)), (spicebox.out()));
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_MOTION, motion_body(3, -2, SPICE_MOUSE_BUTTON_MASK_LEFT));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: pointer 3 -2 1\n", std::chrono::seconds(10)), (spicebox.out()));
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_RELEASE, button_body(SPICE_MOUSE_BUTTON_LEFT, 0));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: pointer 0 0 0\n", std::chrono::seconds(10)), (spicebox.out()));
    // Beyond one packet's range: split by the device, summed again by the guest.
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_MOTION, motion_body(300, -400, 0));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: pointer 300 -400 0\n", std::chrono::seconds(10)), (spicebox.out()));

    spicebox.stop();
    // No key was seen twice or invented on the way.
    CHECK(key_lines(spicebox.out()).size() == 6);
    // 'a' was typed into the first window: an A in the first cell, nothing in the second.
    auto screen = read_png(screenshot);
    REQUIRE_MESSAGE(screen.ok(), screen.error_message());
    REQUIRE(screen->width == 1024);
    CHECK(ink_pixels_in_cell(*screen, 0) > 0);
    CHECK(ink_pixels_in_cell(*screen, 1) == 0);
    std::remove(screenshot.c_str());
}

TEST_CASE("spice input: client mouse mode: a scripted client's positions reach the demo guest's vmmouse exactly" * doctest::test_suite(kNeedsKvm))
{
    SpiceboxProcess spicebox(spicebox_path(), { "--guest", "demo", "--append", "demo.seconds=0", "--spice", "port=0,disable-ticketing", "--timeout", "20" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    REQUIRE_MESSAGE(spicebox.wait_for_output("demo: absolute pointer (vmmouse)\n", std::chrono::seconds(15)), (spicebox.out() + spicebox.err()));

    auto port = uint16_t(std::stoi(spicebox.port()));
    ScriptedChannel main(port);
    REQUIRE(main.connected());
    REQUIRE(main.link(0, SPICE_CHANNEL_MAIN));
    auto init = main.receive_until(SPICE_MSG_MAIN_INIT);
    uint32_t session = u32_at(init, 0);
    // The guest enabled its absolute pointer before we came: client mode is on offer from the start.
    CHECK(u32_at(init, 8) == (SPICE_MOUSE_MODE_SERVER | SPICE_MOUSE_MODE_CLIENT));
    CHECK(u32_at(init, 12) == SPICE_MOUSE_MODE_SERVER);
    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    main.receive_until(SPICE_MSG_MAIN_CHANNELS_LIST);
    // Positions are pixels of the primary surface, which the display channel makes known.
    ScriptedChannel display(port);
    REQUIRE(display.link(session, SPICE_CHANNEL_DISPLAY));
    ScriptedChannel inputs(port);
    REQUIRE(inputs.link(session, SPICE_CHANNEL_INPUTS));
    inputs.receive_until(SPICE_MSG_INPUTS_INIT);

    std::vector<uint8_t> request;
    WireWriter(request).put_u16(SPICE_MOUSE_MODE_CLIENT);
    main.send_message(SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST, request);
    auto mode = main.receive_until(SPICE_MSG_MAIN_MOUSE_MODE);
    REQUIRE(mode == std::vector<uint8_t> { 3, 0, 2, 0 });

    auto position = [](uint32_t x, uint32_t y, uint16_t buttons) {
        std::vector<uint8_t> body;
        WireWriter writer(body);
        writer.put_u32(x);
        writer.put_u32(y);
        writer.put_u16(buttons);
        writer.put_u8(0);
        return body;
    };
    // Each step waits for the guest's report, so each report holds exactly one step.
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_POSITION, position(100, 200, 0));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: position 100 200 0\n", std::chrono::seconds(10)), (spicebox.out()));
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_PRESS, button_body(SPICE_MOUSE_BUTTON_LEFT, SPICE_MOUSE_BUTTON_MASK_LEFT));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: position 100 200 1\n", std::chrono::seconds(10)), (spicebox.out()));
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_POSITION, position(1023, 767, SPICE_MOUSE_BUTTON_MASK_LEFT));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: position 1023 767 1\n", std::chrono::seconds(10)), (spicebox.out()));
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_RELEASE, button_body(SPICE_MOUSE_BUTTON_LEFT, 0));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: position 1023 767 0\n", std::chrono::seconds(10)), (spicebox.out()));
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_POSITION, position(517, 3, SPICE_MOUSE_BUTTON_MASK_RIGHT));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: position 517 3 2\n", std::chrono::seconds(10)), (spicebox.out()));
    // Relative motion does not move the pointer in client mode.
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_MOTION, motion_body(10, 5, 0));
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_POSITION, position(0, 0, 0));
    CHECK_MESSAGE(spicebox.wait_for_output("demo: position 0 0 0\n", std::chrono::seconds(10)), (spicebox.out()));
    spicebox.stop();
    CHECK(spicebox.out().find("demo: pointer") == std::string::npos);
}

TEST_CASE("spice cursor: a client linking its cursor channel gets the demo guest's QXL cursor shape in CURSOR_INIT" * doctest::test_suite(kNeedsKvm))
{
    SpiceboxProcess spicebox(spicebox_path(), { "--guest", "demo", "--append", "demo.seconds=0", "--spice", "port=0,disable-ticketing", "--timeout", "20" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    // The demo sets its cursor just before it starts listening.
    REQUIRE_MESSAGE(spicebox.wait_for_output("demo: listening to the keyboard", std::chrono::seconds(15)), (spicebox.out() + spicebox.err()));

    auto port = uint16_t(std::stoi(spicebox.port()));
    ScriptedChannel main(port);
    REQUIRE(main.link(0, SPICE_CHANNEL_MAIN));
    uint32_t session = u32_at(main.receive_until(SPICE_MSG_MAIN_INIT), 0);
    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    main.receive_until(SPICE_MSG_MAIN_CHANNELS_LIST);
    ScriptedChannel cursor(port);
    REQUIRE(cursor.link(session, SPICE_CHANNEL_CURSOR));
    auto init = cursor.receive_until(SPICE_MSG_CURSOR_INIT);
    // Point16, trail length and frequency, visible, then the Cursor: flags, the 17-byte header, 32x32 ARGB.
    constexpr size_t kShapeAt = 9;
    constexpr uint32_t kDemoCursorSize = 32;
    REQUIRE(init.size() == kShapeAt + 2 + 17 + kDemoCursorSize * kDemoCursorSize * 4);
    CHECK(init[8] == 1);
    CHECK((init[kShapeAt] & SPICE_CURSOR_FLAGS_NONE) == 0);
    CHECK(init[kShapeAt + 10] == SPICE_CURSOR_TYPE_ALPHA);
    CHECK(init[kShapeAt + 11] == kDemoCursorSize);
    CHECK(init[kShapeAt + 13] == kDemoCursorSize);
    // The arrow's tip is an opaque black pixel, its inside opaque white, beyond its edge transparent.
    auto pixel = [&](uint32_t x, uint32_t y) { return u32_at(init, kShapeAt + 2 + 17 + 4 * (y * kDemoCursorSize + x)); };
    CHECK(pixel(0, 0) == 0xFF000000);
    CHECK(pixel(1, 10) == 0xFFFFFFFF);
    CHECK(pixel(31, 0) == 0);
    // The demo moves its cursor every frame while no pointer input came: MOVEs follow.
    auto move = cursor.receive_until(SPICE_MSG_CURSOR_MOVE);
    CHECK(move.size() == 4);
    spicebox.stop();
}
