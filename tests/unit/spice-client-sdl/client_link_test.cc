#include "spice-client-sdl/client_link.h"
#include "spice-client-sdl/client_session.h"
#include "spice-common/wire_writer.h"

#include <doctest/doctest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <spice/enums.h>
#include <spice/protocol.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>

using namespace spicebox;

namespace {

struct Key {
    Key() : key(EVP_RSA_gen(1024), EVP_PKEY_free)
    {
        unsigned char* der = nullptr;
        int size = i2d_PUBKEY(key.get(), &der);
        public_der.assign(der, der + size);
        OPENSSL_free(der);
    }
    std::string decrypt(std::span<const uint8_t> ticket) const
    {
        std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(EVP_PKEY_CTX_new(key.get(), nullptr), EVP_PKEY_CTX_free);
        EVP_PKEY_decrypt_init(context.get());
        EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_OAEP_PADDING);
        std::vector<uint8_t> plain(256);
        size_t size = plain.size();
        if (EVP_PKEY_decrypt(context.get(), plain.data(), &size, ticket.data(), ticket.size()) <= 0)
            return "<undecryptable>";
        return std::string(plain.begin(), plain.begin() + ptrdiff_t(size));
    }
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key;
    std::vector<uint8_t> public_der;
};

// A SpiceLinkReply body with the given key and one common caps word.
std::vector<uint8_t> reply_body(const std::vector<uint8_t>& key, uint32_t common_caps, uint32_t caps_count = 1)
{
    std::vector<uint8_t> body;
    WireWriter writer(body);
    SpiceLinkReply reply {};
    reply.error = SPICE_LINK_ERR_OK;
    std::memcpy(reply.pub_key, key.data(), std::min(key.size(), sizeof reply.pub_key));
    reply.num_common_caps = caps_count;
    reply.num_channel_caps = 0;
    reply.caps_offset = sizeof reply;
    writer.put(reply);
    writer.put_u32(common_caps);
    return body;
}

}

TEST_CASE("the link message: header, SpiceLinkMess and caps as spice-gtk lays them out")
{
    auto bytes = build_link_message({ 0x1234, SPICE_CHANNEL_DISPLAY, 0, { 0x3BF }, std::nullopt });
    const std::vector<uint8_t> expected { 'R', 'E', 'D', 'Q', 2, 0, 0, 0, 2, 0, 0, 0, 26, 0, 0, 0, 0x34, 0x12, 0, 0, 2, 0, 1, 0, 0, 0,
        1, 0, 0, 0, 18, 0, 0, 0, 0x0B, 0, 0, 0, 0xBF, 0x03, 0, 0 };
    CHECK(bytes == expected);
}

TEST_CASE("the link reply: key and caps read; errors, truncation and caps past the end refused")
{
    Key key;
    auto body = reply_body(key.public_der, 0x0B);
    auto reply = parse_link_reply(body);
    REQUIRE_MESSAGE(reply.ok(), reply.error_message());
    CHECK(reply->public_key == key.public_der);
    CHECK(reply->common_caps == std::vector<uint32_t> { 0x0B });
    for (size_t size = 0; size < body.size(); ++size)
        CHECK_FALSE(parse_link_reply(std::span(body).first(size)).ok());
    CHECK_FALSE(parse_link_reply(reply_body(key.public_der, 0x0B, 2)).ok());
    CHECK_FALSE(parse_link_reply(reply_body(key.public_der, 0x0B, 0x7FFFFFFF)).ok());
    std::vector<uint8_t> refused { SPICE_LINK_ERR_PERMISSION_DENIED, 0, 0, 0 };
    auto error = parse_link_reply(refused);
    REQUIRE_FALSE(error.ok());
    CHECK(error.error().message == "the server refused the link: permission denied (wrong password?)");
}

TEST_CASE("the ticket: the password and its NUL, RSA-OAEP-SHA1 encrypted to the server's key")
{
    Key key;
    auto ticket = encrypt_ticket(key.public_der, "secret");
    REQUIRE_MESSAGE(ticket.ok(), ticket.error_message());
    CHECK(ticket->size() == 128);
    CHECK(key.decrypt(*ticket) == std::string("secret\0", 7));
    CHECK_FALSE(encrypt_ticket(std::vector<uint8_t>(162, 0x30), "x").ok());
    CHECK_FALSE(encrypt_ticket(key.public_der, std::string(61, 'a')).ok());
}

TEST_CASE("perform_link against a scripted server: auth mechanism, ticket, result; a refusal is an error")
{
    for (uint32_t result : { uint32_t(SPICE_LINK_ERR_OK), uint32_t(SPICE_LINK_ERR_PERMISSION_DENIED) }) {
        Key key;
        int fds[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
        std::string decrypted;
        uint32_t mechanism = 0;
        std::thread server([&] {
            std::vector<uint8_t> link(16 + 18 + 4); // one common caps word, no channel caps
            recv(fds[1], link.data(), link.size(), MSG_WAITALL);
            auto body = reply_body(key.public_der, 0x0B);
            std::vector<uint8_t> out;
            WireWriter writer(out);
            writer.put(SpiceLinkHeader { SPICE_MAGIC, SPICE_VERSION_MAJOR, SPICE_VERSION_MINOR, uint32_t(body.size()) });
            writer.put_bytes(body);
            send(fds[1], out.data(), out.size(), 0);
            std::vector<uint8_t> auth(4 + 128);
            recv(fds[1], auth.data(), auth.size(), MSG_WAITALL);
            std::memcpy(&mechanism, auth.data(), 4);
            decrypted = key.decrypt(std::span(auth).subspan(4));
            send(fds[1], &result, 4, 0);
        });
        auto linked = perform_link(fds[0], { 0, SPICE_CHANNEL_MAIN, 0, {}, "pw" }, std::chrono::seconds(5));
        shutdown(fds[0], SHUT_RDWR); // a server thread still waiting gives up
        server.join();
        close(fds[0]);
        close(fds[1]);
        CHECK(mechanism == SPICE_COMMON_CAP_AUTH_SPICE);
        CHECK(decrypted == std::string("pw\0", 3));
        CHECK(linked.ok() == (result == SPICE_LINK_ERR_OK));
        if (linked.ok())
            CHECK(linked->mini_header);
    }
}

TEST_CASE("perform_link gives up on a silent server at the deadline")
{
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    auto linked = perform_link(fds[0], { 0, SPICE_CHANNEL_MAIN, 0, {}, std::nullopt }, std::chrono::milliseconds(100));
    REQUIRE_FALSE(linked.ok());
    CHECK(linked.error().message == "timed out waiting for the link reply");
    close(fds[0]);
    close(fds[1]);
}

TEST_CASE("SPICE URIs: host and port, query port and password, IPv6, unix sockets; bad ones refused")
{
    auto plain = parse_spice_uri("spice://127.0.0.1:5930");
    REQUIRE(plain.ok());
    CHECK(plain->host == "127.0.0.1");
    CHECK(plain->port == 5930);
    CHECK_FALSE(plain->password.has_value());
    auto query = parse_spice_uri("spice://example.org?port=5901&password=se=cret");
    REQUIRE(query.ok());
    CHECK(query->host == "example.org");
    CHECK(query->port == 5901);
    CHECK(query->password == "se=cret");
    auto v6 = parse_spice_uri("spice://[::1]:6000/");
    REQUIRE(v6.ok());
    CHECK(v6->host == "::1");
    CHECK(v6->port == 6000);
    auto unix_socket = parse_spice_uri("spice+unix:///run/spice.sock");
    REQUIRE(unix_socket.ok());
    CHECK(unix_socket->unix_path == "/run/spice.sock");
    for (const char* bad : { "vnc://host:1", "spice://host", "spice://host:0", "spice://host:70000", "spice://:5900",
             "spice://host:59x", "spice://host:1?tls-port=2", "spice+unix://relative", "spice://[::1:5" })
        CHECK_MESSAGE(!parse_spice_uri(bad).ok(), bad);
}
