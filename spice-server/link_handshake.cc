#include "spice-server/link_handshake.h"

#include "spice-common/wire_reader.h"
#include "spice-common/wire_writer.h"

#include <cstdio>
#include <cstring>

namespace spicebox {

namespace {

std::string code_name(uint32_t value)
{
    char text[16];
    std::snprintf(text, sizeof text, "0x%08x", value);
    return text;
}

SpiceLinkHeader reply_header(uint32_t size)
{
    return SpiceLinkHeader { SPICE_MAGIC, SPICE_VERSION_MAJOR, SPICE_VERSION_MINOR, size };
}

void put_result(std::vector<uint8_t>& output, SpiceLinkErr code)
{
    WireWriter(output).put_u32(uint32_t(code));
}

Capabilities server_common_caps()
{
    Capabilities caps;
    caps.set(SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION);
    caps.set(SPICE_COMMON_CAP_AUTH_SPICE);
    caps.set(SPICE_COMMON_CAP_MINI_HEADER);
    return caps;
}

}

void Capabilities::set(unsigned bit)
{
    if (bit / 32 >= m_words.size())
        m_words.resize(bit / 32 + 1, 0);
    m_words[bit / 32] |= 1u << (bit % 32);
}

std::optional<LinkRefusal> check_link_header(std::span<const uint8_t> bytes, uint32_t& body_size)
{
    WireReader reader(bytes);
    auto header = reader.read<SpiceLinkHeader>("the link header");
    if (!header)
        return LinkRefusal { SPICE_LINK_ERR_INVALID_DATA, header.error().message };
    if (header->magic != SPICE_MAGIC)
        return LinkRefusal { SPICE_LINK_ERR_INVALID_MAGIC, "bad link magic " + code_name(header->magic) };
    if (header->major_version != SPICE_VERSION_MAJOR) {
        return LinkRefusal { SPICE_LINK_ERR_VERSION_MISMATCH,
            "protocol version " + std::to_string(header->major_version) + "." + std::to_string(header->minor_version)
                + ", this server speaks " + std::to_string(SPICE_VERSION_MAJOR) + ".x" };
    }
    if (header->size < sizeof(SpiceLinkMess) || header->size > kMaxLinkMessageBytes) {
        return LinkRefusal { SPICE_LINK_ERR_INVALID_DATA,
            "link message size " + std::to_string(header->size) + " outside [" + std::to_string(sizeof(SpiceLinkMess)) + ", "
                + std::to_string(kMaxLinkMessageBytes) + "]" };
    }
    body_size = header->size;
    return std::nullopt;
}

Result<LinkRequest> parse_link_message(std::span<const uint8_t> body)
{
    WireReader reader(body);
    auto message = TRY(reader.read<SpiceLinkMess>("the link message"));
    if (message.num_common_caps > kMaxCapsWords || message.num_channel_caps > kMaxCapsWords) {
        return Error { "caps counts " + std::to_string(message.num_common_caps) + "/" + std::to_string(message.num_channel_caps)
            + " exceed " + std::to_string(kMaxCapsWords) };
    }
    uint64_t caps_bytes = 4 * (uint64_t(message.num_common_caps) + message.num_channel_caps);
    if (message.caps_offset < sizeof(SpiceLinkMess) || message.caps_offset + caps_bytes > body.size()) {
        return Error { "caps at offset " + std::to_string(message.caps_offset) + " (" + std::to_string(caps_bytes)
            + " bytes) do not fit the " + std::to_string(body.size()) + "-byte link message" };
    }
    WireReader caps(body.subspan(message.caps_offset, size_t(caps_bytes)));
    auto read_words = [&](uint32_t count) -> Result<std::vector<uint32_t>> {
        std::vector<uint32_t> words;
        for (uint32_t i = 0; i < count; ++i)
            words.push_back(TRY(caps.read<uint32_t>("a caps word")));
        return words;
    };
    LinkRequest request;
    request.connection_id = message.connection_id;
    request.channel_type = message.channel_type;
    request.channel_id = message.channel_id;
    request.common_caps = Capabilities(TRY(read_words(message.num_common_caps)));
    request.channel_caps = Capabilities(TRY(read_words(message.num_channel_caps)));
    return request;
}

std::vector<uint8_t> link_reply(const TicketKey& key, const Capabilities& common, const Capabilities& channel)
{
    std::vector<uint8_t> out;
    WireWriter writer(out);
    size_t caps_bytes = 4 * (common.words().size() + channel.words().size());
    writer.put(reply_header(uint32_t(sizeof(SpiceLinkReply) + caps_bytes)));
    SpiceLinkReply reply {};
    reply.error = SPICE_LINK_ERR_OK;
    std::memcpy(reply.pub_key, key.public_key().data(), sizeof reply.pub_key);
    reply.num_common_caps = uint32_t(common.words().size());
    reply.num_channel_caps = uint32_t(channel.words().size());
    reply.caps_offset = sizeof(SpiceLinkReply);
    writer.put(reply);
    for (auto word : common.words())
        writer.put_u32(word);
    for (auto word : channel.words())
        writer.put_u32(word);
    return out;
}

std::vector<uint8_t> link_error_reply(SpiceLinkErr code)
{
    std::vector<uint8_t> out;
    WireWriter writer(out);
    writer.put(reply_header(sizeof(SpiceLinkReply)));
    SpiceLinkReply reply {};
    reply.error = code;
    writer.put(reply);
    return out;
}

LinkHandshake::LinkHandshake(const TicketKey& key, std::optional<std::string> password, LinkPolicy& policy)
    : m_key(key)
    , m_password(std::move(password))
    , m_policy(policy)
{
}

LinkHandshake::State LinkHandshake::feed(std::vector<uint8_t>& input, std::vector<uint8_t>& output)
{
    while (m_state != State::Linked && m_state != State::Refused && step(input, output)) { }
    return m_state;
}

// One state's worth of input, if it has all arrived; false when it waits for more.
bool LinkHandshake::step(std::vector<uint8_t>& input, std::vector<uint8_t>& output)
{
    size_t needed = 0;
    switch (m_state) {
    case State::ReadingHeader:
        needed = sizeof(SpiceLinkHeader);
        break;
    case State::ReadingMessage:
        needed = m_body_size;
        break;
    case State::ReadingMechanism:
        needed = sizeof(SpiceLinkAuthMechanism);
        break;
    case State::ReadingTicket:
        needed = sizeof(SpiceLinkEncryptedTicket);
        break;
    case State::Linked:
    case State::Refused:
        return false;
    }
    if (input.size() < needed)
        return false;
    std::vector<uint8_t> bytes(input.begin(), input.begin() + ptrdiff_t(needed));
    input.erase(input.begin(), input.begin() + ptrdiff_t(needed));

    switch (m_state) {
    case State::ReadingHeader:
        if (auto refusal = check_link_header(bytes, m_body_size))
            refuse_in_reply(std::move(*refusal), output);
        else
            m_state = State::ReadingMessage;
        break;
    case State::ReadingMessage: {
        auto request = parse_link_message(bytes);
        if (!request) {
            refuse_in_reply({ SPICE_LINK_ERR_INVALID_DATA, request.error().message }, output);
            break;
        }
        m_request = std::move(*request);
        if (auto code = m_policy.admit_channel(m_request); code != SPICE_LINK_ERR_OK) {
            refuse_in_reply({ code, "channel " + std::to_string(m_request.channel_type) + ":" + std::to_string(m_request.channel_id) + " refused" },
                output);
            break;
        }
        auto reply = link_reply(m_key, server_common_caps(), m_policy.channel_caps(m_request.channel_type));
        output.insert(output.end(), reply.begin(), reply.end());
        m_state = m_request.common_caps.has(SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION) ? State::ReadingMechanism : State::ReadingTicket;
        break;
    }
    case State::ReadingMechanism: {
        auto mechanism = WireReader(bytes).read<SpiceLinkAuthMechanism>("the auth mechanism").value();
        if (mechanism.auth_mechanism != SPICE_COMMON_CAP_AUTH_SPICE) {
            refuse_in_result({ SPICE_LINK_ERR_INVALID_DATA, "auth mechanism " + std::to_string(mechanism.auth_mechanism) + " is not offered" },
                output);
        } else {
            m_state = State::ReadingTicket;
        }
        break;
    }
    case State::ReadingTicket: {
        auto ticket = m_key.decrypt(bytes);
        if (!ticket) {
            refuse_in_result({ SPICE_LINK_ERR_PERMISSION_DENIED, ticket.error().message }, output);
            break;
        }
        if (m_password) {
            auto expected = std::span(reinterpret_cast<const uint8_t*>(m_password->data()), m_password->size());
            if (!ticket_matches(*ticket, expected)) {
                refuse_in_result({ SPICE_LINK_ERR_PERMISSION_DENIED, "wrong password" }, output);
                break;
            }
        }
        if (auto code = m_policy.admit_session(m_request); code != SPICE_LINK_ERR_OK) {
            refuse_in_result({ code, "session " + code_name(m_request.connection_id) + " refused" }, output);
            break;
        }
        put_result(output, SPICE_LINK_ERR_OK);
        m_state = State::Linked;
        break;
    }
    case State::Linked:
    case State::Refused:
        break;
    }
    return true;
}

void LinkHandshake::refuse_in_reply(LinkRefusal refusal, std::vector<uint8_t>& output)
{
    auto reply = link_error_reply(refusal.code);
    output.insert(output.end(), reply.begin(), reply.end());
    m_refusal = std::move(refusal);
    m_state = State::Refused;
}

void LinkHandshake::refuse_in_result(LinkRefusal refusal, std::vector<uint8_t>& output)
{
    put_result(output, refusal.code);
    m_refusal = std::move(refusal);
    m_state = State::Refused;
}

} // namespace spicebox
