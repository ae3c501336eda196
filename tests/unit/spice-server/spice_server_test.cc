// The whole server over real sockets, driven by a raw client in the test: a poll() loop stands in for
// the machine's event loop, a fake screen and input sink for the machine.
#include "spice-server/cursor_channel.h"
#include "spice-server/spice_server.h"
#include "tests/unit/spice-server/poll_loop.h"
#include "tests/unit/spice-server/spice_test_client.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace spicebox;
using namespace spicebox::test;

namespace {

class FakeScreen final : public FramebufferSource {
public:
    std::vector<Rect> update_screen(Framebuffer& screen) override
    {
        if (screen.width != current.width || screen.height != current.height) {
            screen = current;
            return { Rect { 0, 0, int32_t(current.width), int32_t(current.height) } };
        }
        screen = current;
        return std::exchange(changes, {});
    }
    Framebuffer current;
    std::vector<Rect> changes;
};

class FakeInput final : public InputSink {
public:
    void key_down(uint16_t code) override { events.push_back("down " + std::to_string(code)); }
    void key_up(uint16_t code) override { events.push_back("up " + std::to_string(code)); }
    void pointer_motion(int32_t dx, int32_t dy, int32_t wheel, uint32_t buttons) override
    {
        events.push_back("motion " + std::to_string(dx) + " " + std::to_string(dy) + " " + std::to_string(wheel) + " " + std::to_string(buttons));
    }
    void pointer_position(uint32_t x, uint32_t y, int32_t wheel, uint32_t buttons) override
    {
        events.push_back("position " + std::to_string(x) + " " + std::to_string(y) + " " + std::to_string(wheel) + " " + std::to_string(buttons));
    }
    bool absolute_pointer() const override { return absolute; }
    void watch_absolute_pointer(std::function<void()> changed) override { listener = std::move(changed); }
    // What the guest's driver would do: turn its absolute device on or off.
    void set_absolute(bool on)
    {
        absolute = on;
        if (listener)
            listener();
    }
    std::vector<std::string> events;
    bool absolute { false };
    std::function<void()> listener;
};

Framebuffer pattern(uint32_t width, uint32_t height, uint32_t seed)
{
    Framebuffer screen;
    screen.resize(width, height);
    for (uint32_t y = 0; y < height; ++y) {
        for (uint32_t x = 0; x < width; ++x)
            screen.row(y)[x] = (seed * 0x010101 + x * 0x100 + y) & 0xFFFFFF;
    }
    return screen;
}

struct Message {
    uint16_t type;
    std::vector<uint8_t> body;
};

// A client connection: non-blocking, so the test runs the server's loop while it waits.
class Client {
public:
    Client(PollLoop& loop, uint16_t port) : m_loop(loop)
    {
        m_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connect(m_fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    }
    ~Client() { close(m_fd); }

    void send(const std::vector<uint8_t>& bytes)
    {
        size_t done = 0;
        while (done < bytes.size()) {
            ssize_t count = ::send(m_fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (count > 0)
                done += size_t(count);
            else
                m_loop.run_once(5);
        }
        m_loop.run_once(0);
    }
    void send_message(uint16_t type, const std::vector<uint8_t>& body)
    {
        std::vector<uint8_t> bytes;
        WireWriter writer(bytes);
        writer.put(SpiceMiniDataHeader { type, uint32_t(body.size()) });
        writer.put_bytes(body);
        send(bytes);
    }
    // Exactly `count` bytes, or fewer when the server closed the connection or 5 s passed.
    std::vector<uint8_t> receive(size_t count)
    {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (m_buffer.size() < count && !m_closed && std::chrono::steady_clock::now() < deadline) {
            m_loop.run_once(5);
            uint8_t chunk[65536];
            ssize_t got = recv(m_fd, chunk, sizeof chunk, 0);
            if (got > 0)
                m_buffer.insert(m_buffer.end(), chunk, chunk + got);
            else if (got == 0)
                m_closed = true;
        }
        size_t taken = std::min(count, m_buffer.size());
        std::vector<uint8_t> out(m_buffer.begin(), m_buffer.begin() + ptrdiff_t(taken));
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + ptrdiff_t(taken));
        return out;
    }
    Message receive_message()
    {
        auto header = receive(6);
        REQUIRE(header.size() == 6);
        SpiceMiniDataHeader parsed;
        std::memcpy(&parsed, header.data(), 6);
        uint32_t size = parsed.size;
        auto body = receive(size);
        REQUIRE(body.size() == size);
        return { parsed.type, body };
    }
    bool closed_by_server()
    {
        receive(m_buffer.size() + 1);
        return m_closed;
    }
    // Link with `password` and return the result word.
    uint32_t link(uint32_t connection_id, uint8_t channel_type, const std::string& password)
    {
        send(link_message(connection_id, channel_type, 0, kSpiceGtkCommonCaps, {}));
        auto reply = receive(16 + 178);
        REQUIRE(reply.size() >= 16 + 178);
        if (u32_at(reply, 16) != SPICE_LINK_ERR_OK)
            return u32_at(reply, 16);
        auto caps = receive(u32_at(reply, 12) - 178);
        std::vector<uint8_t> auth;
        WireWriter(auth).put_u32(SPICE_COMMON_CAP_AUTH_SPICE);
        auto ticket = encrypt_ticket(std::span(reply.data() + 20, TicketKey::public_key_bytes), password);
        auth.insert(auth.end(), ticket.begin(), ticket.end());
        send(auth);
        auto result = receive(4);
        REQUIRE(result.size() == 4);
        return u32_at(result, 0);
    }

private:
    PollLoop& m_loop;
    int m_fd;
    std::vector<uint8_t> m_buffer;
    bool m_closed { false };
};

uint16_t port_of(const SpiceServer& server)
{
    auto& uri = server.uri();
    return uint16_t(std::stoi(uri.substr(uri.rfind(':') + 1)));
}

std::vector<uint8_t> u32_body(uint32_t value)
{
    std::vector<uint8_t> out;
    WireWriter(out).put_u32(value);
    return out;
}

struct Fixture {
    Fixture()
    {
        screen.current = pattern(64, 48, 1);
        server = SpiceServer::create(loop, SpiceServerConfig { .port = 0, .unix_path = std::nullopt, .password = std::string("secret") }, &screen, &input).value();
    }
    // A linked main channel after INIT, the first PING and ATTACH_CHANNELS (the session's other channels
    // may link only then); returns the session id.
    uint32_t open_main(Client& main)
    {
        REQUIRE(main.link(0, SPICE_CHANNEL_MAIN, "secret") == SPICE_LINK_ERR_OK);
        auto init = main.receive_message();
        REQUIRE(init.type == SPICE_MSG_MAIN_INIT);
        REQUIRE(init.body.size() == 32);
        CHECK(main.receive_message().type == SPICE_MSG_PING);
        main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
        CHECK(main.receive_message().type == SPICE_MSG_MAIN_CHANNELS_LIST);
        return u32_at(init.body, 0);
    }
    // The guest's cursor commands, attached to the server; the stream outlives the server (declared first).
    CursorStream& attach_cursor()
    {
        cursors = CursorStream::create().value();
        REQUIRE(server->attach_cursor(*cursors).ok());
        return *cursors;
    }
    PollLoop loop;
    FakeScreen screen;
    FakeInput input;
    std::unique_ptr<CursorStream> cursors;
    std::unique_ptr<SpiceServer> server;
};

const std::vector<uint8_t> kDisplayInit { 0x01, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x30, 0x00 };

// Checks a DRAW_COPY body: its box, and the pixels equal `screen` there.
void check_draw(const Message& draw, const Framebuffer& screen, Rect expected)
{
    REQUIRE(draw.type == SPICE_MSG_DISPLAY_DRAW_COPY);
    Rect box { int32_t(u32_at(draw.body, 8)), int32_t(u32_at(draw.body, 4)), int32_t(u32_at(draw.body, 16)), int32_t(u32_at(draw.body, 12)) };
    CHECK(box == expected);
    REQUIRE(draw.body.size() == 93 + size_t(box.width()) * box.height() * 4);
    size_t mismatches = 0;
    for (int32_t y = box.top; y < box.bottom; ++y) {
        for (int32_t x = box.left; x < box.right; ++x)
            mismatches += u32_at(draw.body, 93 + 4 * (size_t(y - box.top) * box.width() + (x - box.left))) != screen.at(x, y);
    }
    CHECK(mismatches == 0);
}

}

TEST_CASE("spice server: main channel INIT, channels list, mouse mode and agent tokens")
{
    Fixture fixture;
    CHECK(fixture.server->uri().starts_with("spice://127.0.0.1:"));
    Client main(fixture.loop, port_of(*fixture.server));
    REQUIRE(main.link(0, SPICE_CHANNEL_MAIN, "secret") == SPICE_LINK_ERR_OK);
    auto init = main.receive_message();
    REQUIRE(init.type == SPICE_MSG_MAIN_INIT);
    CHECK(u32_at(init.body, 0) != 0);                       // session id
    CHECK(u32_at(init.body, 8) == SPICE_MOUSE_MODE_SERVER);  // supported
    CHECK(u32_at(init.body, 12) == SPICE_MOUSE_MODE_SERVER); // current
    CHECK(u32_at(init.body, 16) == 0);                      // no agent
    CHECK(u32_at(init.body, 20) == 10);                     // agent tokens
    auto ping = main.receive_message();
    CHECK(ping.type == SPICE_MSG_PING);
    main.send_message(SPICE_MSGC_PONG, std::vector<uint8_t>(ping.body.begin(), ping.body.begin() + 12));

    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    auto list = main.receive_message();
    CHECK(list.type == SPICE_MSG_MAIN_CHANNELS_LIST);
    CHECK(list.body == std::vector<uint8_t> { 3, 0, 0, 0, 2, 0, 3, 0, 4, 0 });

    main.send_message(SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST, { 2, 0 });
    auto mode = main.receive_message();
    CHECK(mode.type == SPICE_MSG_MAIN_MOUSE_MODE);
    CHECK(mode.body == std::vector<uint8_t> { 1, 0, 1, 0 });

    main.send_message(SPICE_MSGC_MAIN_AGENT_START, u32_body(0xFFFFFFFF));
    main.send_message(SPICE_MSGC_MAIN_AGENT_DATA, std::vector<uint8_t>(28, 1));
    auto token = main.receive_message();
    CHECK(token.type == SPICE_MSG_MAIN_AGENT_TOKEN);
    CHECK(token.body == u32_body(1));
}

TEST_CASE("spice server: a wrong password gets PERMISSION_DENIED and the connection is closed")
{
    Fixture fixture;
    Client main(fixture.loop, port_of(*fixture.server));
    CHECK(main.link(0, SPICE_CHANNEL_MAIN, "wrong") == SPICE_LINK_ERR_PERMISSION_DENIED);
    CHECK(main.closed_by_server());
    Client display(fixture.loop, port_of(*fixture.server));
    CHECK(display.link(0x1234, SPICE_CHANNEL_DISPLAY, "secret") == SPICE_LINK_ERR_BAD_CONNECTION_ID);
}

TEST_CASE("spice server: a connection that does not complete its link in time is closed, a linked one is not")
{
    Fixture fixture;
    Client main(fixture.loop, port_of(*fixture.server));
    fixture.open_main(main);
    Client silent(fixture.loop, port_of(*fixture.server));
    silent.send({ 'R', 'E', 'D', 'Q' });
    fixture.loop.run_once(5);
    CHECK(fixture.server->connection_count() == 2);
    fixture.loop.advance(kLinkTimeout);
    fixture.loop.run_once(5);
    CHECK(silent.closed_by_server());
    CHECK(fixture.server->connection_count() == 1);
    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    CHECK(main.receive_message().type == SPICE_MSG_MAIN_CHANNELS_LIST);
}

TEST_CASE("spice server: the display channel sends surface, the whole screen and a mark, then the changes")
{
    Fixture fixture;
    Client main(fixture.loop, port_of(*fixture.server));
    uint32_t session = fixture.open_main(main);
    Client display(fixture.loop, port_of(*fixture.server));
    REQUIRE(display.link(session, SPICE_CHANNEL_DISPLAY, "secret") == SPICE_LINK_ERR_OK);
    auto set_ack = display.receive_message();
    CHECK(set_ack.type == SPICE_MSG_SET_ACK);
    CHECK(set_ack.body == std::vector<uint8_t> { 1, 0, 0, 0, 20, 0, 0, 0 });
    display.send_message(SPICE_MSGC_ACK_SYNC, u32_body(1));
    display.send_message(SPICE_MSGC_DISPLAY_INIT, kDisplayInit);

    auto create = display.receive_message();
    CHECK(create.type == SPICE_MSG_DISPLAY_SURFACE_CREATE);
    CHECK(create.body == std::vector<uint8_t> { 0, 0, 0, 0, 64, 0, 0, 0, 48, 0, 0, 0, 32, 0, 0, 0, 1, 0, 0, 0 });
    check_draw(display.receive_message(), fixture.screen.current, Rect { 0, 0, 64, 48 });
    // The channel advertises MONITORS_CONFIG, so each primary comes with one head: count 1, max_allowed 1.
    auto monitors = display.receive_message();
    CHECK(monitors.type == SPICE_MSG_DISPLAY_MONITORS_CONFIG);
    REQUIRE(monitors.body.size() == 4 + 28);
    CHECK(u32_at(monitors.body, 0) == 0x00010001);
    CHECK(u32_at(monitors.body, 12) == 64);
    CHECK(u32_at(monitors.body, 16) == 48);
    CHECK(display.receive_message().type == SPICE_MSG_DISPLAY_MARK);

    fixture.screen.current = pattern(64, 48, 2);
    fixture.screen.changes = { Rect { 3, 4, 10, 20 } };
    check_draw(display.receive_message(), fixture.screen.current, Rect { 3, 4, 10, 20 });

    // A new resolution: the surface is destroyed, re-created and drawn again.
    fixture.screen.current = pattern(80, 40, 3);
    CHECK(display.receive_message().type == SPICE_MSG_DISPLAY_SURFACE_DESTROY);
    auto recreate = display.receive_message();
    CHECK(recreate.type == SPICE_MSG_DISPLAY_SURFACE_CREATE);
    CHECK(u32_at(recreate.body, 4) == 80);
    CHECK(u32_at(recreate.body, 8) == 40);
    check_draw(display.receive_message(), fixture.screen.current, Rect { 0, 0, 80, 40 });
    monitors = display.receive_message();
    CHECK(monitors.type == SPICE_MSG_DISPLAY_MONITORS_CONFIG);
    CHECK(u32_at(monitors.body, 12) == 80);
    CHECK(display.receive_message().type == SPICE_MSG_DISPLAY_MARK);

    // The session ends with its main channel.
    main.send_message(SPICE_MSGC_DISCONNECTING, std::vector<uint8_t>(12, 0));
}

TEST_CASE("spice server: a client that stops acknowledging gets one coalesced update, and others go on")
{
    Fixture fixture;
    Client main(fixture.loop, port_of(*fixture.server));
    uint32_t session = fixture.open_main(main);
    Client display(fixture.loop, port_of(*fixture.server));
    REQUIRE(display.link(session, SPICE_CHANNEL_DISPLAY, "secret") == SPICE_LINK_ERR_OK);
    display.send_message(SPICE_MSGC_ACK_SYNC, u32_body(1));
    display.send_message(SPICE_MSGC_DISPLAY_INIT, kDisplayInit);
    for (int i = 0; i < 4; ++i)
        display.receive_message(); // SET_ACK, create, draw, mark
    // 200 small changes while the client sends no ACK: the window (2 x 20) stops the flow, the rest coalesces.
    for (int tick = 0; tick < 20; ++tick) {
        for (int i = tick * 10; i < tick * 10 + 10; ++i) {
            fixture.screen.current.row(i / 64)[i % 64] = 0xABCDEF + uint32_t(i);
            fixture.screen.changes.push_back(Rect { i % 64, i / 64, i % 64 + 1, i / 64 + 1 });
        }
        auto next_tick = std::chrono::steady_clock::now() + kScreenPollInterval + std::chrono::milliseconds(2);
        while (std::chrono::steady_clock::now() < next_tick)
            fixture.loop.run_once(2);
    }
    // The main channel is not held up.
    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    CHECK(main.receive_message().type == SPICE_MSG_MAIN_CHANNELS_LIST);
    size_t draws = 0;
    std::optional<Message> last;
    for (int i = 0; i < 36; ++i) { // 40 unacknowledged minus the 4 already read
        last = display.receive_message();
        ++draws;
    }
    CHECK(draws == 36);
    // Acknowledge everything: what follows ends with a whole-screen draw of the current screen.
    display.send_message(SPICE_MSGC_ACK, {});
    display.send_message(SPICE_MSGC_ACK, {});
    bool full_seen = false;
    for (int i = 0; i < 40 && !full_seen; ++i) {
        auto message = display.receive_message();
        if (message.type == SPICE_MSG_DISPLAY_DRAW_COPY && u32_at(message.body, 12) == 48 && u32_at(message.body, 16) == 64) {
            check_draw(message, fixture.screen.current, Rect { 0, 0, 64, 48 });
            full_seen = true;
        }
    }
    CHECK(full_seen);
}

TEST_CASE("spice server: an oversized or truncated message disconnects that channel alone")
{
    Fixture fixture;
    Client main(fixture.loop, port_of(*fixture.server));
    uint32_t session = fixture.open_main(main);
    Client display(fixture.loop, port_of(*fixture.server));
    REQUIRE(display.link(session, SPICE_CHANNEL_DISPLAY, "secret") == SPICE_LINK_ERR_OK);
    display.receive_message();
    display.send_message(SPICE_MSGC_DISPLAY_INIT, std::vector<uint8_t>(1025, 0));
    CHECK(display.closed_by_server());

    Client inputs(fixture.loop, port_of(*fixture.server));
    REQUIRE(inputs.link(session, SPICE_CHANNEL_INPUTS, "secret") == SPICE_LINK_ERR_OK);
    CHECK(inputs.receive_message().type == SPICE_MSG_INPUTS_INIT);
    inputs.send_message(SPICE_MSGC_INPUTS_KEY_DOWN, { 0x1E, 0 });
    CHECK(inputs.closed_by_server());

    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    CHECK(main.receive_message().type == SPICE_MSG_MAIN_CHANNELS_LIST);
    CHECK(fixture.server->connection_count() == 1);
}

TEST_CASE("spice server: inputs reach the sink, with a motion ack every 4 motions")
{
    Fixture fixture;
    Client main(fixture.loop, port_of(*fixture.server));
    uint32_t session = fixture.open_main(main);
    Client inputs(fixture.loop, port_of(*fixture.server));
    REQUIRE(inputs.link(session, SPICE_CHANNEL_INPUTS, "secret") == SPICE_LINK_ERR_OK);
    auto init = inputs.receive_message();
    CHECK(init.type == SPICE_MSG_INPUTS_INIT);
    CHECK(init.body == std::vector<uint8_t> { 0, 0 });
    inputs.send_message(SPICE_MSGC_INPUTS_KEY_DOWN, u32_body(0x1E));
    inputs.send_message(SPICE_MSGC_INPUTS_KEY_UP, u32_body(0x9DE0));
    const std::vector<uint8_t> motion { 5, 0, 0, 0, 0xFD, 0xFF, 0xFF, 0xFF, 1, 0 };
    for (int i = 0; i < 4; ++i)
        inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_MOTION, motion);
    CHECK(inputs.receive_message().type == SPICE_MSG_INPUTS_MOUSE_MOTION_ACK);
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_PRESS, { SPICE_MOUSE_BUTTON_DOWN, 0x10, 0 });
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_RELEASE, { SPICE_MOUSE_BUTTON_RIGHT, 0, 0 });
    for (int i = 0; i < 10 && fixture.input.events.size() < 8; ++i)
        fixture.loop.run_once(10);
    std::string events;
    for (auto& event : fixture.input.events)
        events += event + "; ";
    INFO(events);
    CHECK(fixture.input.events
        == std::vector<std::string> { "down 30", "up 57373", "motion 5 -3 0 1", "motion 5 -3 0 1", "motion 5 -3 0 1", "motion 5 -3 0 1",
            "motion 0 0 1 16", "motion 0 0 0 0" });
}

TEST_CASE("spice server: client mouse mode once the guest enables its absolute pointer, positions scaled to it")
{
    Fixture fixture;
    Client main(fixture.loop, port_of(*fixture.server));
    uint32_t session = fixture.open_main(main);
    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    // The next MAIN_MOUSE_MODE, past the channels list and pings.
    auto next_mouse_mode = [&] {
        for (;;) {
            auto message = main.receive_message();
            if (message.type == SPICE_MSG_MAIN_MOUSE_MODE)
                return message.body;
            REQUIRE((message.type == SPICE_MSG_MAIN_CHANNELS_LIST || message.type == SPICE_MSG_PING));
        }
    };
    // The display channel brings the server's screen (64x48) up to date: positions are given over it.
    Client display(fixture.loop, port_of(*fixture.server));
    REQUIRE(display.link(session, SPICE_CHANNEL_DISPLAY, "secret") == SPICE_LINK_ERR_OK);
    Client inputs(fixture.loop, port_of(*fixture.server));
    REQUIRE(inputs.link(session, SPICE_CHANNEL_INPUTS, "secret") == SPICE_LINK_ERR_OK);
    CHECK(inputs.receive_message().type == SPICE_MSG_INPUTS_INIT);

    fixture.input.set_absolute(true);
    CHECK(next_mouse_mode() == std::vector<uint8_t> { 3, 0, 1, 0 });
    main.send_message(SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST, { 2, 0 });
    CHECK(next_mouse_mode() == std::vector<uint8_t> { 3, 0, 2, 0 });

    auto position = [](uint32_t x, uint32_t y, uint16_t buttons, uint8_t display_id = 0) {
        std::vector<uint8_t> body;
        WireWriter writer(body);
        writer.put_u32(x);
        writer.put_u32(y);
        writer.put_u16(buttons);
        writer.put_u8(display_id);
        return body;
    };
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_POSITION, position(63, 47, 1));
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_POSITION, position(0, 500, 0));
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_POSITION, position(5, 5, 0, 1)); // another display: ignored
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_MOTION, { 5, 0, 0, 0, 5, 0, 0, 0, 0, 0 }); // relative: ignored
    CHECK(inputs.receive_message().type == SPICE_MSG_INPUTS_MOUSE_MOTION_ACK);
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_PRESS, { SPICE_MOUSE_BUTTON_RIGHT, 4, 0 });
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_PRESS, { SPICE_MOUSE_BUTTON_UP, 0, 0 });

    for (int i = 0; i < 10 && fixture.input.events.size() < 4; ++i)
        fixture.loop.run_once(10);
    // The guest's driver goes away: back to server mode, and positions no longer count.
    fixture.input.set_absolute(false);
    CHECK(next_mouse_mode() == std::vector<uint8_t> { 1, 0, 1, 0 });
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_POSITION, position(1, 1, 0));
    inputs.send_message(SPICE_MSGC_INPUTS_MOUSE_MOTION, { 2, 0, 0, 0, 3, 0, 0, 0, 0, 0 });
    for (int i = 0; i < 10 && fixture.input.events.size() < 5; ++i)
        fixture.loop.run_once(10);
    std::string events;
    for (auto& event : fixture.input.events)
        events += event + "; ";
    INFO(events);
    CHECK(fixture.input.events
        == std::vector<std::string> { "position 65535 65535 0 1", "position 0 65535 0 0", "position 0 65535 0 4", "position 0 65535 -1 0",
            "motion 2 3 0 0" });
}

TEST_CASE("spice server: the cursor channel gets the guest's cursor in INIT, then its commands, shapes cached by unique id")
{
    Fixture fixture;
    CursorStream& cursors = fixture.attach_cursor();
    CursorShape arrow;
    arrow.unique = 77;
    arrow.width = 2;
    arrow.height = 2;
    arrow.data.assign(16, 0x5A);
    cursors.post(CursorSet { Point { 100, 50 }, true, arrow });
    fixture.loop.run_once(10);

    Client main(fixture.loop, port_of(*fixture.server));
    uint32_t session = fixture.open_main(main);
    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    Client cursor(fixture.loop, port_of(*fixture.server));
    REQUIRE(cursor.link(session, SPICE_CHANNEL_CURSOR, "secret") == SPICE_LINK_ERR_OK);
    CHECK(cursor.receive_message().type == SPICE_MSG_SET_ACK);
    cursor.send_message(SPICE_MSGC_ACK_SYNC, u32_body(1));
    auto init = cursor.receive_message();
    REQUIRE(init.type == SPICE_MSG_CURSOR_INIT);
    REQUIRE(init.body.size() == 4 + 2 + 2 + 1 + 2 + 17 + 16);
    CHECK(init.body[0] == 100);
    CHECK(init.body[2] == 50);
    CHECK(init.body[8] == 1);                           // visible
    CHECK(init.body[9] == SPICE_CURSOR_FLAGS_CACHE_ME); // flags
    CHECK(u32_at(init.body, 11) == 77);                 // unique
    CHECK(init.body[28] == 0x5A);

    cursors.post(CursorMove { Point { 7, 8 } });
    auto move = cursor.receive_message();
    CHECK(move.type == SPICE_MSG_CURSOR_MOVE);
    CHECK(move.body == std::vector<uint8_t> { 7, 0, 8, 0 });
    cursors.post(CursorSet { Point { 1, 2 }, true, arrow });
    auto again = cursor.receive_message();
    CHECK(again.type == SPICE_MSG_CURSOR_SET);
    CHECK(again.body.size() == 4 + 1 + 2 + 17); // FROM_CACHE: the header alone
    CHECK(again.body[5] == SPICE_CURSOR_FLAGS_FROM_CACHE);
    cursors.post(CursorHide {});
    CHECK(cursor.receive_message().type == SPICE_MSG_CURSOR_HIDE);
    cursors.post(CursorTrail { 4, 5 });
    auto trail = cursor.receive_message();
    CHECK(trail.type == SPICE_MSG_CURSOR_TRAIL);
    CHECK(trail.body == std::vector<uint8_t> { 4, 0, 5, 0 });

    // Past the cache's size, the least recently used shape is invalidated before a new one is cached:
    // 77 is the oldest once kCursorCacheSize new shapes have come.
    std::vector<uint64_t> invalidated;
    size_t sets = 0;
    for (uint64_t unique = 1000; unique < 1000 + kCursorCacheSize; ++unique) {
        arrow.unique = unique;
        cursors.post(CursorSet { Point {}, true, arrow });
        fixture.loop.run_once(0);
        for (;;) {
            auto message = cursor.receive_message();
            if (message.type == SPICE_MSG_CURSOR_INVAL_ONE) {
                invalidated.push_back(u32_at(message.body, 0) | uint64_t(u32_at(message.body, 4)) << 32);
                continue;
            }
            REQUIRE(message.type == SPICE_MSG_CURSOR_SET);
            CHECK(message.body[5] == SPICE_CURSOR_FLAGS_CACHE_ME);
            if (++sets % kCursorAckWindow == 0)
                cursor.send_message(SPICE_MSGC_ACK, {});
            break;
        }
    }
    CHECK(invalidated == std::vector<uint64_t> { 77 });
}

TEST_CASE("spice server: a device reset reaches the cursor client as INVAL_ALL then RESET, and shapes are sent whole again")
{
    Fixture fixture;
    CursorStream& cursors = fixture.attach_cursor();
    Client main(fixture.loop, port_of(*fixture.server));
    uint32_t session = fixture.open_main(main);
    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    Client cursor(fixture.loop, port_of(*fixture.server));
    REQUIRE(cursor.link(session, SPICE_CHANNEL_CURSOR, "secret") == SPICE_LINK_ERR_OK);
    CHECK(cursor.receive_message().type == SPICE_MSG_SET_ACK);
    CHECK(cursor.receive_message().type == SPICE_MSG_CURSOR_INIT);

    CursorShape arrow;
    arrow.unique = 42;
    arrow.width = 2;
    arrow.height = 2;
    arrow.data.assign(16, 0x33);
    cursors.post(CursorSet { Point { 9, 9 }, true, arrow });
    CHECK(cursor.receive_message().body[5] == SPICE_CURSOR_FLAGS_CACHE_ME);
    cursors.post(CursorSet { Point { 9, 9 }, true, arrow });
    CHECK(cursor.receive_message().body[5] == SPICE_CURSOR_FLAGS_FROM_CACHE);

    cursors.post(CursorReset {});
    auto inval = cursor.receive_message();
    CHECK(inval.type == SPICE_MSG_CURSOR_INVAL_ALL);
    CHECK(inval.body.empty());
    auto reset = cursor.receive_message();
    CHECK(reset.type == SPICE_MSG_CURSOR_RESET);
    CHECK(reset.body.empty());

    // The guest may reuse the id for another shape after a reset: the client gets the data again.
    arrow.data.assign(16, 0x44);
    cursors.post(CursorSet { Point { 1, 1 }, true, arrow });
    auto set = cursor.receive_message();
    REQUIRE(set.type == SPICE_MSG_CURSOR_SET);
    REQUIRE(set.body.size() == 4 + 1 + 2 + 17 + 16);
    CHECK(set.body[5] == SPICE_CURSOR_FLAGS_CACHE_ME);
    CHECK(set.body[24] == 0x44);

    // A client that joins after a reset is told there is no shape.
    cursors.post(CursorReset {});
    CHECK(cursor.receive_message().type == SPICE_MSG_CURSOR_INVAL_ALL);
    CHECK(cursor.receive_message().type == SPICE_MSG_CURSOR_RESET);
    Client late(fixture.loop, port_of(*fixture.server));
    REQUIRE(late.link(session, SPICE_CHANNEL_CURSOR, "secret") == SPICE_LINK_ERR_OK);
    CHECK(late.receive_message().type == SPICE_MSG_SET_ACK);
    auto init = late.receive_message();
    CHECK(init.type == SPICE_MSG_CURSOR_INIT);
    CHECK(init.body == std::vector<uint8_t> { 0, 0, 0, 0, 0, 0, 0, 0, 1, SPICE_CURSOR_FLAGS_NONE, 0 });

    // Commands lost while the loop lagged (a reset may be among them): the cache goes and the current cursor
    // comes with its data.
    cursors.post(CursorSet { Point { 1, 1 }, true, arrow });
    cursors.post(CursorSet { Point { 1, 1 }, true, arrow });
    for (size_t i = 0; i < kMaxQueuedCursorCommands; ++i)
        cursors.post(CursorMove { Point { 2, 3 } });
    CHECK(cursor.receive_message().type == SPICE_MSG_CURSOR_INVAL_ALL);
    auto current = cursor.receive_message();
    REQUIRE(current.type == SPICE_MSG_CURSOR_SET);
    CHECK(current.body[0] == 2);
    CHECK(current.body[5] == SPICE_CURSOR_FLAGS_CACHE_ME);
    CHECK(current.body.size() == 4 + 1 + 2 + 17 + 16);
}

TEST_CASE("spice server: a cursor channel with no device says no cursor; in client mouse mode MOVEs are not sent")
{
    Fixture fixture;
    Client main(fixture.loop, port_of(*fixture.server));
    uint32_t session = fixture.open_main(main);
    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    Client bare(fixture.loop, port_of(*fixture.server));
    REQUIRE(bare.link(session, SPICE_CHANNEL_CURSOR, "secret") == SPICE_LINK_ERR_OK);
    CHECK(bare.receive_message().type == SPICE_MSG_SET_ACK);
    auto none = bare.receive_message();
    CHECK(none.type == SPICE_MSG_CURSOR_INIT);
    CHECK(none.body == std::vector<uint8_t> { 0, 0, 0, 0, 0, 0, 0, 0, 0, SPICE_CURSOR_FLAGS_NONE, 0 });

    CursorStream& cursors = fixture.attach_cursor();
    fixture.input.set_absolute(true);
    main.send_message(SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST, { 2, 0 });
    for (int i = 0; i < 5; ++i)
        fixture.loop.run_once(5);
    CursorShape dot;
    dot.width = 1;
    dot.height = 1;
    dot.data.assign(4, 0xFF);
    cursors.post(CursorSet { Point { 5, 5 }, true, dot });
    cursors.post(CursorMove { Point { 6, 6 } });
    cursors.post(CursorHide {});
    auto set = bare.receive_message();
    CHECK(set.type == SPICE_MSG_CURSOR_SET);
    CHECK(set.body[5] == 0); // unique 0: not cached
    CHECK(set.body.size() == 4 + 1 + 2 + 17 + 4);
    CHECK(bare.receive_message().type == SPICE_MSG_CURSOR_HIDE);
}
