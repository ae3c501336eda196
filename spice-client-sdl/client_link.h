// The client side of a SPICE channel's link handshake: SpiceLinkMess with our capabilities, the server's
// SpiceLinkReply (its public key and capabilities), the ticket (the password RSA-OAEP-SHA1 encrypted
// to that key) and the link result. It runs blocking on a fresh connection, bounded by a deadline.
#pragma once

#include "base/result.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace spicebox {

struct ClientLinkRequest {
    uint32_t connection_id { 0 }; // 0 for the main channel, then the session id MAIN_INIT gave
    uint8_t channel_type { 0 };
    uint8_t channel_id { 0 };
    std::vector<uint32_t> channel_caps;
    std::optional<std::string> password;
};

struct ClientLinkReply {
    std::vector<uint8_t> public_key; // DER SubjectPublicKeyInfo
    std::vector<uint32_t> common_caps;
    std::vector<uint32_t> channel_caps;
};

struct ClientLinkedChannel {
    bool mini_header { false }; // messages use the 6-byte header (both sides offered it)
    std::vector<uint32_t> channel_caps; // the server's
};

// What we offer on every channel: AUTH_SELECTION, AUTH_SPICE and MINI_HEADER.
uint32_t client_common_caps();
bool has_cap(std::span<const uint32_t> caps, uint32_t cap);

// SpiceLinkHeader + SpiceLinkMess + caps.
std::vector<uint8_t> build_link_message(const ClientLinkRequest&);
// The SpiceLinkReply body (what follows the link header). A server error code becomes an Error.
Result<ClientLinkReply> parse_link_reply(std::span<const uint8_t> body);
// `password` and its NUL, RSA-OAEP-SHA1 encrypted to `public_key`: 128 bytes for SPICE's 1024-bit keys.
Result<std::vector<uint8_t>> encrypt_ticket(std::span<const uint8_t> public_key, const std::string& password);
// The text for a SpiceLinkErr.
std::string link_error_text(uint32_t error);

// The whole handshake on `fd` (blocking, each step bounded by `timeout`).
Result<ClientLinkedChannel> perform_link(int fd, const ClientLinkRequest&, std::chrono::milliseconds timeout);

} // namespace spicebox
