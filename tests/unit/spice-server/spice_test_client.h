// What the SPICE server tests play the client with: link messages as spice-gtk 0.42 sends them, and
// the ticket encrypted with OpenSSL's RSA-OAEP (SHA-1) to the key the server offered.
#pragma once

#include "spice-common/wire_writer.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace spicebox::test {

// SpiceLinkHeader + SpiceLinkMess + one common caps word + the channel's caps words.
std::vector<uint8_t> link_message(uint32_t connection_id, uint8_t channel_type, uint8_t channel_id, uint32_t common_caps,
    std::vector<uint32_t> channel_caps);
// The common caps word spice-gtk 0.42 sends: AUTH_SELECTION | AUTH_SASL | MINI_HEADER.
constexpr uint32_t kSpiceGtkCommonCaps = 0x0D;

// `password` + NUL, RSA-OAEP-SHA1 encrypted to the DER SubjectPublicKeyInfo `public_key`.
std::vector<uint8_t> encrypt_ticket(std::span<const uint8_t> public_key, const std::string& password);

// The 32-bit little-endian value at `offset`.
uint32_t u32_at(std::span<const uint8_t> bytes, size_t offset);

}
