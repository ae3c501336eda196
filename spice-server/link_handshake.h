// The link handshake that opens every SPICE channel connection (one TCP or unix connection per channel):
//   client: SpiceLinkHeader + SpiceLinkMess + caps
//   server: SpiceLinkHeader + SpiceLinkReply (RSA public key) + caps
//   client: [auth mechanism word, when both sides have PROTOCOL_AUTH_SELECTION] + 128-byte RSA-OAEP ticket
//   server: u32 link result (SpiceLinkErr)
// This class is only the byte-level state machine (no sockets), so tests drive it directly. A refusal is
// answered as the protocol says (an error reply or result word) and then the connection is to be closed.
#pragma once

#include "base/result.h"
#include "spice-server/ticket_key.h"

#include <spice/enums.h>
#include <spice/protocol.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace spicebox {

// Limits spice-server also applies: the link message with its caps at most 4096 bytes, at most 1024
// words per caps set.
constexpr uint32_t kMaxLinkMessageBytes = 4096;
constexpr uint32_t kMaxCapsWords = 1024;

// A capability set: bit N of word N/32.
class Capabilities {
public:
    Capabilities() = default;
    explicit Capabilities(std::vector<uint32_t> words) : m_words(std::move(words)) { }
    bool has(unsigned bit) const { return bit / 32 < m_words.size() && (m_words[bit / 32] >> (bit % 32) & 1); }
    void set(unsigned bit);
    const std::vector<uint32_t>& words() const { return m_words; }

private:
    std::vector<uint32_t> m_words;
};

struct LinkRequest {
    uint32_t connection_id { 0 };
    uint8_t channel_type { 0 };
    uint8_t channel_id { 0 };
    Capabilities common_caps;
    Capabilities channel_caps;
};

// Why a link was refused: the SpiceLinkErr code the client gets, and a line for the log.
struct LinkRefusal {
    SpiceLinkErr code;
    std::string reason;
};

// Checks a SpiceLinkHeader (exactly sizeof(SpiceLinkHeader) bytes) and returns the size of what follows.
std::optional<LinkRefusal> check_link_header(std::span<const uint8_t> header, uint32_t& body_size);
// Parses SpiceLinkMess and its caps (the header's `size` bytes).
Result<LinkRequest> parse_link_message(std::span<const uint8_t> body);

// The server's reply: header + SpiceLinkReply + caps; and the error-only form.
std::vector<uint8_t> link_reply(const TicketKey&, const Capabilities& common, const Capabilities& channel);
std::vector<uint8_t> link_error_reply(SpiceLinkErr);

// What the server decides about a link, asked once the link message is parsed and again (for the
// connection id, which a reconnecting main channel may have just registered) once auth succeeded.
class LinkPolicy {
public:
    virtual ~LinkPolicy() = default;
    // SPICE_LINK_ERR_OK, CHANNEL_NOT_AVAILABLE, ...
    virtual SpiceLinkErr admit_channel(const LinkRequest&) = 0;
    virtual SpiceLinkErr admit_session(const LinkRequest&) = 0;
    virtual Capabilities channel_caps(uint8_t channel_type) = 0;
};

class LinkHandshake {
public:
    enum class State { ReadingHeader, ReadingMessage, ReadingMechanism, ReadingTicket, Linked, Refused };

    // `password` empty means ticketing is disabled: any ticket that decrypts is accepted.
    LinkHandshake(const TicketKey&, std::optional<std::string> password, LinkPolicy&);

    // Consumes what it can from the front of `input` and appends what to send to `output`.
    State feed(std::vector<uint8_t>& input, std::vector<uint8_t>& output);

    State state() const { return m_state; }
    // Valid once Linked (and, as far as parsed, once Refused).
    const LinkRequest& request() const { return m_request; }
    // Set once Refused.
    const std::optional<LinkRefusal>& refusal() const { return m_refusal; }

private:
    bool step(std::vector<uint8_t>& input, std::vector<uint8_t>& output);
    void refuse_in_reply(LinkRefusal, std::vector<uint8_t>& output);
    void refuse_in_result(LinkRefusal, std::vector<uint8_t>& output);

    const TicketKey& m_key;
    std::optional<std::string> m_password;
    LinkPolicy& m_policy;
    State m_state { State::ReadingHeader };
    uint32_t m_body_size { 0 };
    LinkRequest m_request;
    std::optional<LinkRefusal> m_refusal;
};

} // namespace spicebox
