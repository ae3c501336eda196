// The RSA-1024 key pair of SPICE ticket authentication: the client encrypts its password (with its NUL)
// to the public key with RSA-OAEP (SHA-1, MGF1-SHA-1, empty label); the server decrypts it here.
#pragma once

#include "base/result.h"

#include <spice/protocol.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

typedef struct evp_pkey_st EVP_PKEY;

namespace spicebox {

class TicketKey {
public:
    static constexpr size_t public_key_bytes = SPICE_TICKET_PUBKEY_BYTES;
    static constexpr size_t ciphertext_bytes = SPICE_TICKET_KEY_PAIR_LENGTH / 8;

    static Result<TicketKey> generate();

    // The DER SubjectPublicKeyInfo that SpiceLinkReply.pub_key carries.
    const std::array<uint8_t, public_key_bytes>& public_key() const { return m_public_key; }
    Result<std::vector<uint8_t>> decrypt(std::span<const uint8_t> ciphertext) const;

private:
    struct KeyFree {
        void operator()(EVP_PKEY*) const;
    };

    TicketKey() = default;

    std::unique_ptr<EVP_PKEY, KeyFree> m_key;
    std::array<uint8_t, public_key_bytes> m_public_key {};
};

// True when the decrypted ticket (password bytes up to its first NUL) equals `password`, compared in time
// that does not depend on where they differ.
bool ticket_matches(std::span<const uint8_t> decrypted, std::span<const uint8_t> password);

} // namespace spicebox
