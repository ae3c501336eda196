// The server's link handshake state machine on hostile bytes, arriving in chunks of a size the input
// picks. When the input asks, the ticket is a real RSA-OAEP encryption of a password the input gives,
// so the paths past decryption (password check, session admission) are reached too.
#include "base/log.h"
#include "spice-server/link_handshake.h"
#include "tests/fuzz/fuzz_input.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

using namespace spicebox;
using namespace spicebox::fuzz;

namespace {

constexpr uint8_t encrypt_ticket_flag = 1;
constexpr uint8_t no_password_flag = 2;
constexpr uint32_t known_session = 0x01234567;

class FuzzPolicy final : public LinkPolicy {
public:
    SpiceLinkErr admit_channel(const LinkRequest& request) override
    {
        return request.channel_type <= SPICE_CHANNEL_CURSOR ? SPICE_LINK_ERR_OK : SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
    }
    SpiceLinkErr admit_session(const LinkRequest& request) override
    {
        return request.channel_type == SPICE_CHANNEL_MAIN || request.connection_id == known_session ? SPICE_LINK_ERR_OK
                                                                                                   : SPICE_LINK_ERR_BAD_CONNECTION_ID;
    }
    Capabilities channel_caps(uint8_t channel_type) override
    {
        Capabilities caps;
        caps.set(channel_type);
        return caps;
    }
};

const TicketKey& key()
{
    static TicketKey key = TicketKey::generate().value();
    return key;
}

// `password` + NUL as a client encrypts it; empty when OpenSSL refuses (a password too long for OAEP).
std::vector<uint8_t> encrypt(std::span<const uint8_t> password)
{
    const unsigned char* cursor = key().public_key().data();
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> public_key(d2i_PUBKEY(nullptr, &cursor, long(key().public_key().size())),
        EVP_PKEY_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(EVP_PKEY_CTX_new(public_key.get(), nullptr), EVP_PKEY_CTX_free);
    if (!context || EVP_PKEY_encrypt_init(context.get()) <= 0 || EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_OAEP_PADDING) <= 0)
        return {};
    std::vector<uint8_t> plain(password.begin(), password.end());
    plain.push_back(0);
    std::vector<uint8_t> cipher(TicketKey::ciphertext_bytes);
    size_t length = cipher.size();
    if (EVP_PKEY_encrypt(context.get(), cipher.data(), &length, plain.data(), plain.size()) <= 0)
        return {};
    cipher.resize(length);
    return cipher;
}

}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    set_log_level(LogLevel::Error);
    key();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzInput input(data, size);
    size_t chunk = size_t(input.u8()) + 1;
    uint8_t flags = input.u8();
    FuzzPolicy policy;
    std::optional<std::string> password;
    if (!(flags & no_password_flag))
        password = "secret";
    LinkHandshake handshake(key(), password, policy);
    std::vector<uint8_t> pending;
    std::vector<uint8_t> output;
    bool ticket_encrypted = false;
    for (;;) {
        auto state = handshake.feed(pending, output);
        if (state == LinkHandshake::State::Linked || state == LinkHandshake::State::Refused)
            break;
        if (state == LinkHandshake::State::ReadingTicket && (flags & encrypt_ticket_flag) && !ticket_encrypted && pending.empty()) {
            ticket_encrypted = true;
            auto ticket = encrypt(input.bytes(input.u8()));
            pending.insert(pending.end(), ticket.begin(), ticket.end());
            continue;
        }
        if (input.at_end())
            break;
        auto bytes = input.bytes(chunk);
        pending.insert(pending.end(), bytes.begin(), bytes.end());
    }
    return 0;
}
