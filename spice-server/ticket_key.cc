#include "spice-server/ticket_key.h"

#include <algorithm>
#include <cstring>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

namespace spicebox {

namespace {

Error openssl_error(const char* what)
{
    char text[256];
    ERR_error_string_n(ERR_get_error(), text, sizeof text);
    ERR_clear_error();
    return Error { std::string(what) + " failed: " + text };
}

struct ContextFree {
    void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
using Context = std::unique_ptr<EVP_PKEY_CTX, ContextFree>;

}

void TicketKey::KeyFree::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

Result<TicketKey> TicketKey::generate()
{
    Context context(EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, nullptr));
    if (!context || EVP_PKEY_keygen_init(context.get()) <= 0
        || EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), SPICE_TICKET_KEY_PAIR_LENGTH) <= 0)
        return openssl_error("RSA key generation setup");
    EVP_PKEY* raw_key = nullptr;
    if (EVP_PKEY_keygen(context.get(), &raw_key) <= 0)
        return openssl_error("RSA key generation");
    TicketKey key;
    key.m_key.reset(raw_key);
    int length = i2d_PUBKEY(raw_key, nullptr);
    if (length != int(public_key_bytes))
        return Error { "the RSA public key encodes to " + std::to_string(length) + " bytes, not " + std::to_string(public_key_bytes) };
    unsigned char* cursor = key.m_public_key.data();
    if (i2d_PUBKEY(raw_key, &cursor) != length)
        return openssl_error("i2d_PUBKEY");
    return key;
}

Result<std::vector<uint8_t>> TicketKey::decrypt(std::span<const uint8_t> ciphertext) const
{
    if (ciphertext.size() != ciphertext_bytes)
        return Error { "the ticket is " + std::to_string(ciphertext.size()) + " bytes, not " + std::to_string(ciphertext_bytes) };
    Context context(EVP_PKEY_CTX_new(m_key.get(), nullptr));
    // OAEP's default digest and MGF1 digest are SHA-1, which is what SPICE clients use.
    if (!context || EVP_PKEY_decrypt_init(context.get()) <= 0
        || EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_OAEP_PADDING) <= 0)
        return openssl_error("RSA decryption setup");
    std::vector<uint8_t> plain(ciphertext_bytes);
    size_t length = plain.size();
    if (EVP_PKEY_decrypt(context.get(), plain.data(), &length, ciphertext.data(), ciphertext.size()) <= 0)
        return openssl_error("ticket decryption");
    plain.resize(length);
    return plain;
}

bool ticket_matches(std::span<const uint8_t> decrypted, std::span<const uint8_t> password)
{
    // Both sides padded with zeros to one fixed size, so the comparison's time depends on neither length.
    std::array<uint8_t, TicketKey::ciphertext_bytes> given {};
    std::array<uint8_t, TicketKey::ciphertext_bytes> expected {};
    auto end = std::find(decrypted.begin(), decrypted.end(), uint8_t(0));
    size_t given_length = size_t(end - decrypted.begin());
    if (given_length > given.size() || password.size() > expected.size())
        return false;
    std::copy(decrypted.begin(), end, given.begin());
    std::copy(password.begin(), password.end(), expected.begin());
    bool same_bytes = CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
    return same_bytes && given_length == password.size();
}

} // namespace spicebox
