#include "spice-client-sdl/channel_connection.h"
#include "spice-client-sdl/client_inputs.h"
#include "spice-common/wire_writer.h"

#include <doctest/doctest.h>
#include <spice/enums.h>
#include <spice/protocol.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <memory>

using namespace spicebox;

namespace {

std::vector<uint8_t> mini(uint16_t type, std::vector<uint8_t> body)
{
    std::vector<uint8_t> out;
    WireWriter writer(out);
    writer.put(SpiceMiniDataHeader { type, uint32_t(body.size()) });
    writer.put_bytes(body);
    return out;
}

std::vector<uint8_t> u32s(std::initializer_list<uint32_t> values)
{
    std::vector<uint8_t> out;
    WireWriter writer(out);
    for (auto value : values)
        writer.put_u32(value);
    return out;
}

// A connection over a socketpair; `peer` reads what it sends.
struct Pair {
    Pair()
    {
        int fds[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
        connection = std::make_unique<ChannelConnection>(fds[0], SPICE_CHANNEL_DISPLAY, true);
        peer = fds[1];
    }
    ~Pair() { close(peer); }

    // The (type, body) messages the connection sent, after flushing.
    std::vector<std::pair<uint16_t, std::vector<uint8_t>>> sent()
    {
        REQUIRE(connection->flush().ok());
        std::vector<uint8_t> bytes(65536);
        ssize_t count = recv(peer, bytes.data(), bytes.size(), MSG_DONTWAIT);
        bytes.resize(count > 0 ? size_t(count) : 0);
        std::vector<std::pair<uint16_t, std::vector<uint8_t>>> messages;
        size_t at = 0;
        while (at + 6 <= bytes.size()) {
            SpiceMiniDataHeader header;
            std::memcpy(&header, bytes.data() + at, 6);
            uint16_t type = header.type;
            uint32_t size = header.size;
            messages.emplace_back(type, std::vector<uint8_t>(bytes.begin() + ptrdiff_t(at + 6), bytes.begin() + ptrdiff_t(at + 6 + size)));
            at += 6 + size;
        }
        return messages;
    }

    std::unique_ptr<ChannelConnection> connection;
    int peer { -1 };
};

}

TEST_CASE("framing: a message split across arrivals comes out once whole")
{
    Pair pair;
    auto bytes = mini(SPICE_MSG_DISPLAY_MARK + 1000, { 1, 2, 3 });
    pair.connection->feed(std::span(bytes).first(4));
    auto none = pair.connection->next_message();
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    pair.connection->feed(std::span(bytes).subspan(4));
    auto message = pair.connection->next_message();
    REQUIRE(message.ok());
    REQUIRE(message->has_value());
    CHECK((*message)->type == SPICE_MSG_DISPLAY_MARK + 1000);
    CHECK((*message)->body == std::vector<uint8_t> { 1, 2, 3 });
}

TEST_CASE("SET_ACK is answered with ACK_SYNC, then one ACK per window of messages; PING with PONG")
{
    Pair pair;
    auto set_ack = mini(SPICE_MSG_SET_ACK, u32s({ 9, 3 }));
    pair.connection->feed(set_ack);
    for (int i = 0; i < 6; ++i) {
        auto mark = mini(SPICE_MSG_DISPLAY_MARK, {});
        pair.connection->feed(mark);
    }
    std::vector<uint8_t> ping;
    WireWriter writer(ping);
    writer.put_u32(77);
    writer.put_u64(0x1122334455667788);
    writer.put_bytes(std::vector<uint8_t>(100, 0)); // filler the PONG leaves out
    auto ping_message = mini(SPICE_MSG_PING, ping);
    pair.connection->feed(ping_message);
    int marks = 0;
    for (;;) {
        auto message = pair.connection->next_message();
        REQUIRE(message.ok());
        if (!*message)
            break;
        CHECK((*message)->type == SPICE_MSG_DISPLAY_MARK);
        ++marks;
    }
    CHECK(marks == 6);
    auto sent = pair.sent();
    // ACK_SYNC, an ACK after the third and the sixth MARK, and the PONG (the seventh message).
    REQUIRE(sent.size() == 4);
    CHECK(sent[0].first == SPICE_MSGC_ACK_SYNC);
    CHECK(sent[0].second == u32s({ 9 }));
    CHECK(sent[1].first == SPICE_MSGC_ACK);
    CHECK(sent[2].first == SPICE_MSGC_ACK);
    CHECK(sent[3].first == SPICE_MSGC_PONG);
    CHECK(sent[3].second.size() == 12);
}

TEST_CASE("an oversized message header ends the channel before anything is allocated; so do bad LISTs")
{
    Pair pair;
    std::vector<uint8_t> header;
    WireWriter(header).put(SpiceMiniDataHeader { SPICE_MSG_DISPLAY_DRAW_COPY, ChannelConnection::kMaxMessageBytes + 1 });
    pair.connection->feed(header);
    auto message = pair.connection->next_message();
    REQUIRE_FALSE(message.ok());
    CHECK(message.error().message.find("too large") != std::string::npos);

    Pair list_pair;
    std::vector<uint8_t> list;
    WireWriter list_writer(list);
    list_writer.put_u16(1);
    list_writer.put_u32(1000);
    auto bad_list = mini(SPICE_MSG_LIST, list);
    list_pair.connection->feed(bad_list);
    CHECK_FALSE(list_pair.connection->next_message().ok());
}

TEST_CASE("a LIST's sub-messages come out in order")
{
    Pair pair;
    std::vector<uint8_t> list;
    WireWriter writer(list);
    writer.put_u16(2);
    writer.put_u32(10);
    writer.put_u32(16);
    writer.put(SpiceSubMessage { SPICE_MSG_DISPLAY_INVAL_ALL_PALETTES, 0 });
    writer.put(SpiceSubMessage { SPICE_MSG_DISPLAY_MARK, 1 });
    writer.put_u8(5);
    auto message = mini(SPICE_MSG_LIST, list);
    pair.connection->feed(message);
    auto first = pair.connection->next_message();
    REQUIRE_MESSAGE(first.ok(), first.error_message());
    REQUIRE(first->has_value());
    CHECK((*first)->type == SPICE_MSG_DISPLAY_INVAL_ALL_PALETTES);
    auto second = pair.connection->next_message();
    REQUIRE(second.ok());
    REQUIRE(second->has_value());
    CHECK((*second)->type == SPICE_MSG_DISPLAY_MARK);
    CHECK((*second)->body == std::vector<uint8_t> { 5 });
}

TEST_CASE("inputs: set-1 scancodes with the 0xE0 packing; motion stops at 8 unacknowledged and resumes merged")
{
    CHECK(ClientInputs::wire_scancode(0x1E, true) == 0x1E);
    CHECK(ClientInputs::wire_scancode(0x1E, false) == 0x9E);
    CHECK(ClientInputs::wire_scancode(0xE01D, true) == 0x1DE0);
    CHECK(ClientInputs::wire_scancode(0xE01D, false) == 0x9DE0);

    Pair pair;
    ClientInputs inputs;
    inputs.send_motion(1, 1, 0); // before the channel exists: dropped
    inputs.attach(pair.connection.get());
    for (int i = 0; i < 10; ++i)
        inputs.send_motion(1, 2, SPICE_MOUSE_BUTTON_MASK_LEFT);
    auto sent = pair.sent();
    CHECK(sent.size() == 8);
    CHECK(inputs.unacknowledged_motion() == 8);
    REQUIRE(inputs.handle(ChannelMessage { SPICE_MSG_INPUTS_MOUSE_MOTION_ACK, {} }).ok());
    sent = pair.sent();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].first == SPICE_MSGC_INPUTS_MOUSE_MOTION);
    std::vector<uint8_t> merged;
    WireWriter writer(merged);
    writer.put_i32(2);
    writer.put_i32(4);
    writer.put_u16(SPICE_MOUSE_BUTTON_MASK_LEFT);
    CHECK(sent[0].second == merged);
    inputs.send_key(0xE048, true);
    sent = pair.sent();
    REQUIRE(sent.size() == 1);
    CHECK(sent[0].first == SPICE_MSGC_INPUTS_KEY_DOWN);
    CHECK(sent[0].second == u32s({ 0x48E0 }));
}
