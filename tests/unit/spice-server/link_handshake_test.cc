#include "spice-server/link_handshake.h"
#include "tests/unit/spice-server/spice_test_client.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>

using namespace spicebox;
using namespace spicebox::test;

namespace {

const TicketKey& shared_key()
{
    static TicketKey key = TicketKey::generate().value();
    return key;
}

class RecordingPolicy final : public LinkPolicy {
public:
    SpiceLinkErr admit_channel(const LinkRequest& request) override
    {
        return request.channel_type <= SPICE_CHANNEL_CURSOR ? SPICE_LINK_ERR_OK : SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
    }
    SpiceLinkErr admit_session(const LinkRequest& request) override
    {
        return request.channel_type == SPICE_CHANNEL_MAIN || request.connection_id == session ? SPICE_LINK_ERR_OK
                                                                                             : SPICE_LINK_ERR_BAD_CONNECTION_ID;
    }
    Capabilities channel_caps(uint8_t) override { return {}; }
    uint32_t session { 0x01234567 };
};

struct Exchange {
    LinkHandshake::State state;
    std::vector<uint8_t> output;
};

Exchange feed(LinkHandshake& handshake, std::vector<uint8_t> bytes)
{
    std::vector<uint8_t> output;
    auto state = handshake.feed(bytes, output);
    return { state, output };
}

std::vector<uint8_t> error_reply(SpiceLinkErr code) { return link_error_reply(code); }

std::vector<uint8_t> with_header(SpiceLinkHeader header, std::vector<uint8_t> body = {})
{
    std::vector<uint8_t> out;
    WireWriter writer(out);
    writer.put(header);
    writer.put_bytes(body);
    return out;
}

std::vector<uint8_t> word(uint32_t value)
{
    std::vector<uint8_t> out;
    WireWriter(out).put_u32(value);
    return out;
}

}

TEST_CASE("link: the reply to spice-gtk's main link is the 16 + 182 bytes of the verified transcript")
{
    RecordingPolicy policy;
    LinkHandshake handshake(shared_key(), std::nullopt, policy);
    auto [state, reply] = feed(handshake, link_message(0, SPICE_CHANNEL_MAIN, 0, kSpiceGtkCommonCaps, { 0x0F }));
    CHECK(state == LinkHandshake::State::ReadingMechanism);
    REQUIRE(reply.size() == 16 + 182);
    const uint8_t header[] = { 0x52, 0x45, 0x44, 0x51, 2, 0, 0, 0, 2, 0, 0, 0, 0xb6, 0, 0, 0 };
    CHECK(std::memcmp(reply.data(), header, sizeof header) == 0);
    CHECK(u32_at(reply, 16) == SPICE_LINK_ERR_OK);
    const uint8_t der_prefix[] = { 0x30, 0x81, 0x9f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
        0x00, 0x03, 0x81, 0x8d, 0x00, 0x30, 0x81, 0x89, 0x02, 0x81, 0x81, 0x00 };
    CHECK(std::memcmp(reply.data() + 20, der_prefix, sizeof der_prefix) == 0);
    const uint8_t der_suffix[] = { 0x02, 0x03, 0x01, 0x00, 0x01 };
    CHECK(std::memcmp(reply.data() + 20 + 162 - 5, der_suffix, sizeof der_suffix) == 0);
    CHECK(u32_at(reply, 182) == 1);   // common caps words
    CHECK(u32_at(reply, 186) == 0);   // channel caps words
    CHECK(u32_at(reply, 190) == 178); // caps offset
    CHECK(u32_at(reply, 194) == 0x0B); // AUTH_SELECTION | AUTH_SPICE | MINI_HEADER
    CHECK(handshake.request().common_caps.has(SPICE_COMMON_CAP_MINI_HEADER));
    CHECK(handshake.request().channel_caps.words() == std::vector<uint32_t> { 0x0F });
}

TEST_CASE("link: mechanism, ticket and result complete the link; bytes may arrive one at a time")
{
    RecordingPolicy policy;
    LinkHandshake handshake(shared_key(), std::string("secret"), policy);
    auto message = link_message(0, SPICE_CHANNEL_MAIN, 0, kSpiceGtkCommonCaps, { 0x0F });
    std::vector<uint8_t> pending;
    std::vector<uint8_t> output;
    for (auto byte : message) {
        pending.push_back(byte);
        handshake.feed(pending, output);
    }
    CHECK(pending.empty());
    REQUIRE(output.size() == 16 + 182);
    std::span<const uint8_t> public_key(output.data() + 20, TicketKey::public_key_bytes);
    auto auth = word(SPICE_COMMON_CAP_AUTH_SPICE);
    auto ticket = encrypt_ticket(public_key, "secret");
    auth.insert(auth.end(), ticket.begin(), ticket.end());
    auto [state, result] = feed(handshake, auth);
    CHECK(state == LinkHandshake::State::Linked);
    CHECK(result == word(SPICE_LINK_ERR_OK));
    CHECK(handshake.request().channel_type == SPICE_CHANNEL_MAIN);
}

TEST_CASE("link: a wrong password is PERMISSION_DENIED, as is a ticket that does not decrypt")
{
    RecordingPolicy policy;
    for (std::string given : { "Secret", "secret2", "secre", "" }) {
        LinkHandshake handshake(shared_key(), std::string("secret"), policy);
        auto [state, reply] = feed(handshake, link_message(0, SPICE_CHANNEL_MAIN, 0, kSpiceGtkCommonCaps, {}));
        auto auth = word(SPICE_COMMON_CAP_AUTH_SPICE);
        auto ticket = encrypt_ticket(std::span(reply.data() + 20, TicketKey::public_key_bytes), given);
        auth.insert(auth.end(), ticket.begin(), ticket.end());
        auto done = feed(handshake, auth);
        CHECK(done.state == LinkHandshake::State::Refused);
        CHECK(done.output == word(SPICE_LINK_ERR_PERMISSION_DENIED));
    }
    LinkHandshake handshake(shared_key(), std::nullopt, policy);
    feed(handshake, link_message(0, SPICE_CHANNEL_MAIN, 0, 0, {}));
    // Without AUTH_SELECTION the ticket comes straight after the link message.
    CHECK(handshake.state() == LinkHandshake::State::ReadingTicket);
    auto done = feed(handshake, std::vector<uint8_t>(128, 0x5A));
    CHECK(done.state == LinkHandshake::State::Refused);
    CHECK(done.output == word(SPICE_LINK_ERR_PERMISSION_DENIED));
}

TEST_CASE("link: with ticketing disabled any password that decrypts is accepted")
{
    RecordingPolicy policy;
    LinkHandshake handshake(shared_key(), std::nullopt, policy);
    auto [state, reply] = feed(handshake, link_message(0, SPICE_CHANNEL_MAIN, 0, kSpiceGtkCommonCaps, {}));
    auto auth = word(SPICE_COMMON_CAP_AUTH_SPICE);
    auto ticket = encrypt_ticket(std::span(reply.data() + 20, TicketKey::public_key_bytes), "anything");
    auth.insert(auth.end(), ticket.begin(), ticket.end());
    CHECK(feed(handshake, auth).output == word(SPICE_LINK_ERR_OK));
}

TEST_CASE("link: a secondary channel needs a live session id, else BAD_CONNECTION_ID after auth")
{
    RecordingPolicy policy;
    for (uint32_t connection_id : { 0x01234567u, 0x7654321u }) {
        LinkHandshake handshake(shared_key(), std::nullopt, policy);
        auto [state, reply] = feed(handshake, link_message(connection_id, SPICE_CHANNEL_DISPLAY, 0, kSpiceGtkCommonCaps, { 0x3BF }));
        auto auth = word(SPICE_COMMON_CAP_AUTH_SPICE);
        auto ticket = encrypt_ticket(std::span(reply.data() + 20, TicketKey::public_key_bytes), "");
        auth.insert(auth.end(), ticket.begin(), ticket.end());
        bool known = connection_id == policy.session;
        CHECK(feed(handshake, auth).output == word(known ? SPICE_LINK_ERR_OK : SPICE_LINK_ERR_BAD_CONNECTION_ID));
    }
}

TEST_CASE("link: bad magic, version and sizes are answered with the protocol's error reply")
{
    RecordingPolicy policy;
    struct Case {
        const char* name;
        std::vector<uint8_t> bytes;
        SpiceLinkErr expected;
    };
    auto good = link_message(0, SPICE_CHANNEL_MAIN, 0, kSpiceGtkCommonCaps, {});
    auto wrong_magic = good;
    wrong_magic[0] = 'G';
    auto version_one = good;
    version_one[4] = 1;
    auto too_many_caps = good;
    too_many_caps[16 + 6] = 0x01; // num_common_caps = 0x401
    too_many_caps[16 + 7] = 0x04;
    auto caps_outside = good;
    caps_outside[16 + 14] = 19; // caps_offset 19: the word runs past the message
    auto caps_offset_inside_mess = good;
    caps_offset_inside_mess[16 + 14] = 10;
    const Case cases[] = {
        { "wrong magic", wrong_magic, SPICE_LINK_ERR_INVALID_MAGIC },
        { "major version 1", version_one, SPICE_LINK_ERR_VERSION_MISMATCH },
        { "size below SpiceLinkMess", with_header({ SPICE_MAGIC, 2, 2, 17 }), SPICE_LINK_ERR_INVALID_DATA },
        { "size above 4096", with_header({ SPICE_MAGIC, 2, 2, 4097 }), SPICE_LINK_ERR_INVALID_DATA },
        { "more than 1024 caps words", too_many_caps, SPICE_LINK_ERR_INVALID_DATA },
        { "caps past the end", caps_outside, SPICE_LINK_ERR_INVALID_DATA },
        { "caps offset inside SpiceLinkMess", caps_offset_inside_mess, SPICE_LINK_ERR_INVALID_DATA },
        { "an unknown channel", link_message(0, 42, 0, kSpiceGtkCommonCaps, {}), SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE },
    };
    for (auto& test : cases) {
        CAPTURE(test.name);
        LinkHandshake handshake(shared_key(), std::nullopt, policy);
        auto [state, reply] = feed(handshake, test.bytes);
        CHECK(state == LinkHandshake::State::Refused);
        CHECK(reply == error_reply(test.expected));
        REQUIRE(handshake.refusal());
        CHECK(handshake.refusal()->code == test.expected);
    }
    // The error reply: header (size = sizeof(SpiceLinkReply)) and a reply with only the error set.
    auto reply = error_reply(SPICE_LINK_ERR_INVALID_MAGIC);
    REQUIRE(reply.size() == 16 + 178);
    CHECK(u32_at(reply, 12) == 178);
    CHECK(u32_at(reply, 16) == SPICE_LINK_ERR_INVALID_MAGIC);
    CHECK(std::all_of(reply.begin() + 20, reply.end(), [](uint8_t byte) { return byte == 0; }));
}

TEST_CASE("link: a truncated link message waits for the rest; a SASL mechanism is refused")
{
    RecordingPolicy policy;
    LinkHandshake handshake(shared_key(), std::nullopt, policy);
    auto message = link_message(0, SPICE_CHANNEL_MAIN, 0, kSpiceGtkCommonCaps, {});
    message.pop_back();
    auto partial = feed(handshake, message);
    CHECK(partial.state == LinkHandshake::State::ReadingMessage);
    CHECK(partial.output.empty());

    LinkHandshake sasl(shared_key(), std::nullopt, policy);
    feed(sasl, link_message(0, SPICE_CHANNEL_MAIN, 0, kSpiceGtkCommonCaps, {}));
    auto refused = feed(sasl, word(SPICE_COMMON_CAP_AUTH_SASL));
    CHECK(refused.state == LinkHandshake::State::Refused);
    CHECK(refused.output == word(SPICE_LINK_ERR_INVALID_DATA));
}

TEST_CASE("ticket_matches compares up to the NUL and needs equal lengths")
{
    auto bytes = [](const char* text, size_t length) { return std::vector<uint8_t>(text, text + length); };
    const std::vector<uint8_t> secret = bytes("secret", 6);
    CHECK(ticket_matches(bytes("secret\0", 7), secret));
    CHECK(ticket_matches(bytes("secret\0junk", 11), secret));
    CHECK_FALSE(ticket_matches(bytes("secret2\0", 8), secret));
    CHECK_FALSE(ticket_matches(bytes("secre\0", 6), secret));
    CHECK(ticket_matches(bytes("\0", 1), {}));
    CHECK_FALSE(ticket_matches(bytes("x\0", 2), {}));
}
