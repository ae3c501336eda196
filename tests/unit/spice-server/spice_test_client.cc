#include "tests/unit/spice-server/spice_test_client.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <spice/protocol.h>

#include <cstring>
#include <memory>

namespace spicebox::test {

std::vector<uint8_t> link_message(uint32_t connection_id, uint8_t channel_type, uint8_t channel_id, uint32_t common_caps,
    std::vector<uint32_t> channel_caps)
{
    std::vector<uint8_t> out;
    WireWriter writer(out);
    uint32_t caps_words = 1 + uint32_t(channel_caps.size());
    writer.put(SpiceLinkHeader { SPICE_MAGIC, SPICE_VERSION_MAJOR, SPICE_VERSION_MINOR, uint32_t(sizeof(SpiceLinkMess) + 4 * caps_words) });
    writer.put(SpiceLinkMess { connection_id, channel_type, channel_id, 1, uint32_t(channel_caps.size()), sizeof(SpiceLinkMess) });
    writer.put_u32(common_caps);
    for (auto word : channel_caps)
        writer.put_u32(word);
    return out;
}

std::vector<uint8_t> encrypt_ticket(std::span<const uint8_t> public_key, const std::string& password)
{
    const unsigned char* cursor = public_key.data();
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(d2i_PUBKEY(nullptr, &cursor, long(public_key.size())), EVP_PKEY_free);
    REQUIRE(key);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(EVP_PKEY_CTX_new(key.get(), nullptr), EVP_PKEY_CTX_free);
    REQUIRE(EVP_PKEY_encrypt_init(context.get()) > 0);
    REQUIRE(EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_OAEP_PADDING) > 0);
    std::vector<uint8_t> plain(password.begin(), password.end());
    plain.push_back(0);
    std::vector<uint8_t> cipher(256);
    size_t length = cipher.size();
    REQUIRE(EVP_PKEY_encrypt(context.get(), cipher.data(), &length, plain.data(), plain.size()) > 0);
    cipher.resize(length);
    return cipher;
}

uint32_t u32_at(std::span<const uint8_t> bytes, size_t offset)
{
    REQUIRE(offset + 4 <= bytes.size());
    uint32_t value;
    std::memcpy(&value, bytes.data() + offset, 4);
    return value;
}

}
