#include "spice-client-sdl/client_link.h"

#include "spice-common/wire_reader.h"
#include "spice-common/wire_writer.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <spice/enums.h>
#include <spice/protocol.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace spicebox {

namespace {

// spice-server refuses link headers announcing more than this; a reply that large is not a SPICE server.
constexpr uint32_t kMaxLinkReplyBytes = 4096;
constexpr uint32_t kMaxCapsWords = 1024;

using Clock = std::chrono::steady_clock;

Result<void> wait_for(int fd, short events, Clock::time_point deadline, const char* what)
{
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0)
            return Error { std::string("timed out waiting for the ") + what };
        pollfd entry { fd, events, 0 };
        int ready = ::poll(&entry, 1, int(left));
        if (ready > 0)
            return {};
        if (ready < 0 && errno != EINTR)
            return Error { std::string("poll: ") + std::strerror(errno) };
    }
}

Result<void> write_all(int fd, std::span<const uint8_t> bytes, Clock::time_point deadline, const char* what)
{
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t count = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (count > 0) {
            done += size_t(count);
            continue;
        }
        if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            TRY(wait_for(fd, POLLOUT, deadline, what));
            continue;
        }
        if (count < 0 && errno == EINTR)
            continue;
        return Error { std::string("sending the ") + what + ": " + std::strerror(errno) };
    }
    return {};
}

Result<std::vector<uint8_t>> read_exact(int fd, size_t size, Clock::time_point deadline, const char* what)
{
    std::vector<uint8_t> bytes(size);
    size_t done = 0;
    while (done < size) {
        ssize_t count = ::recv(fd, bytes.data() + done, size - done, MSG_DONTWAIT);
        if (count > 0) {
            done += size_t(count);
            continue;
        }
        if (count == 0)
            return Error { std::string("the server closed the connection before the ") + what };
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            TRY(wait_for(fd, POLLIN, deadline, what));
            continue;
        }
        if (errno == EINTR)
            continue;
        return Error { std::string("reading the ") + what + ": " + std::strerror(errno) };
    }
    return bytes;
}

Result<std::vector<uint32_t>> read_caps(std::span<const uint8_t> body, uint32_t offset, uint32_t count)
{
    if (offset > body.size() || count > (body.size() - offset) / 4)
        return Error { "link reply capabilities run past the reply" };
    WireReader reader(body.subspan(offset, size_t(count) * 4));
    std::vector<uint32_t> caps;
    for (uint32_t i = 0; i < count; ++i)
        caps.push_back(TRY(reader.read<uint32_t>("capability")));
    return caps;
}

struct KeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct ContextDeleter {
    void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};

} // namespace

uint32_t client_common_caps()
{
    return (1u << SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION) | (1u << SPICE_COMMON_CAP_AUTH_SPICE)
        | (1u << SPICE_COMMON_CAP_MINI_HEADER);
}

bool has_cap(std::span<const uint32_t> caps, uint32_t cap)
{
    return cap / 32 < caps.size() && (caps[cap / 32] & (1u << (cap % 32))) != 0;
}

std::vector<uint8_t> build_link_message(const ClientLinkRequest& request)
{
    std::vector<uint8_t> out;
    WireWriter writer(out);
    SpiceLinkHeader header {};
    header.magic = SPICE_MAGIC;
    header.major_version = SPICE_VERSION_MAJOR;
    header.minor_version = SPICE_VERSION_MINOR;
    header.size = uint32_t(sizeof(SpiceLinkMess) + 4 * (1 + request.channel_caps.size()));
    writer.put(header);
    SpiceLinkMess link {};
    link.connection_id = request.connection_id;
    link.channel_type = request.channel_type;
    link.channel_id = request.channel_id;
    link.num_common_caps = 1;
    link.num_channel_caps = uint32_t(request.channel_caps.size());
    link.caps_offset = sizeof(SpiceLinkMess);
    writer.put(link);
    writer.put_u32(client_common_caps());
    for (auto cap : request.channel_caps)
        writer.put_u32(cap);
    return out;
}

std::string link_error_text(uint32_t error)
{
    switch (error) {
    case SPICE_LINK_ERR_OK:
        return "no error";
    case SPICE_LINK_ERR_INVALID_MAGIC:
        return "invalid magic";
    case SPICE_LINK_ERR_INVALID_DATA:
        return "invalid data";
    case SPICE_LINK_ERR_VERSION_MISMATCH:
        return "protocol version mismatch";
    case SPICE_LINK_ERR_NEED_SECURED:
        return "the channel needs TLS";
    case SPICE_LINK_ERR_NEED_UNSECURED:
        return "the channel needs a plain connection";
    case SPICE_LINK_ERR_PERMISSION_DENIED:
        return "permission denied (wrong password?)";
    case SPICE_LINK_ERR_BAD_CONNECTION_ID:
        return "bad connection id";
    case SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE:
        return "channel not available";
    }
    return "error " + std::to_string(error);
}

Result<ClientLinkReply> parse_link_reply(std::span<const uint8_t> body)
{
    WireReader reader(body);
    auto error = TRY(reader.read<uint32_t>("link reply"));
    if (error != SPICE_LINK_ERR_OK)
        return Error { "the server refused the link: " + link_error_text(error) };
    // SpiceLinkReply starts with the error code just read; its caps offset counts from there too.
    auto reply = TRY(WireReader(body).read<SpiceLinkReply>("link reply"));
    if (reply.num_common_caps > kMaxCapsWords || reply.num_channel_caps > kMaxCapsWords)
        return Error { "link reply with too many capabilities" };
    ClientLinkReply result;
    result.public_key.assign(reply.pub_key, reply.pub_key + sizeof reply.pub_key);
    result.common_caps = TRY(read_caps(body, reply.caps_offset, reply.num_common_caps));
    result.channel_caps = TRY(read_caps(body, reply.caps_offset + 4 * reply.num_common_caps, reply.num_channel_caps));
    return result;
}

Result<std::vector<uint8_t>> encrypt_ticket(std::span<const uint8_t> public_key, const std::string& password)
{
    if (password.size() > SPICE_MAX_PASSWORD_LENGTH)
        return Error { "the password is longer than SPICE's " + std::to_string(SPICE_MAX_PASSWORD_LENGTH) + " characters" };
    const unsigned char* der = public_key.data();
    std::unique_ptr<EVP_PKEY, KeyDeleter> key(d2i_PUBKEY(nullptr, &der, long(public_key.size())));
    if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA)
        return Error { "the server's public key is not an RSA key" };
    std::unique_ptr<EVP_PKEY_CTX, ContextDeleter> context(EVP_PKEY_CTX_new(key.get(), nullptr));
    // OpenSSL's OAEP defaults (SHA-1, MGF1 with SHA-1, no label) are what SPICE servers expect.
    if (!context || EVP_PKEY_encrypt_init(context.get()) <= 0
        || EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_OAEP_PADDING) <= 0)
        return Error { "cannot set up RSA-OAEP encryption" };
    auto plain = reinterpret_cast<const unsigned char*>(password.c_str());
    size_t size = 0;
    if (EVP_PKEY_encrypt(context.get(), nullptr, &size, plain, password.size() + 1) <= 0)
        return Error { "cannot encrypt the ticket" };
    std::vector<uint8_t> ticket(size);
    if (EVP_PKEY_encrypt(context.get(), ticket.data(), &size, plain, password.size() + 1) <= 0)
        return Error { "cannot encrypt the ticket" };
    ticket.resize(size);
    if (ticket.size() != SPICE_TICKET_KEY_PAIR_LENGTH / 8)
        return Error { "the server's key is not a " + std::to_string(SPICE_TICKET_KEY_PAIR_LENGTH) + "-bit RSA key" };
    return ticket;
}

Result<ClientLinkedChannel> perform_link(int fd, const ClientLinkRequest& request, std::chrono::milliseconds timeout)
{
    auto deadline = Clock::now() + timeout;
    TRY(write_all(fd, build_link_message(request), deadline, "link message"));

    auto header_bytes = TRY(read_exact(fd, sizeof(SpiceLinkHeader), deadline, "link reply"));
    SpiceLinkHeader header;
    std::memcpy(&header, header_bytes.data(), sizeof header);
    if (header.magic != SPICE_MAGIC)
        return Error { "not a SPICE server (bad magic in the link reply)" };
    if (header.major_version != SPICE_VERSION_MAJOR)
        return Error { "the server speaks SPICE " + std::to_string(header.major_version) + ", not "
            + std::to_string(SPICE_VERSION_MAJOR) };
    if (header.size < sizeof(uint32_t) || header.size > kMaxLinkReplyBytes)
        return Error { "link reply of " + std::to_string(header.size) + " bytes" };
    auto body = TRY(read_exact(fd, header.size, deadline, "link reply"));
    auto reply = TRY(parse_link_reply(body));

    std::vector<uint8_t> auth;
    WireWriter writer(auth);
    if (has_cap(reply.common_caps, SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION)) {
        if (!has_cap(reply.common_caps, SPICE_COMMON_CAP_AUTH_SPICE))
            return Error { "the server offers no authentication this client has (SASL only)" };
        writer.put_u32(SPICE_COMMON_CAP_AUTH_SPICE);
    }
    writer.put_bytes(TRY(encrypt_ticket(reply.public_key, request.password.value_or(""))));
    TRY(write_all(fd, auth, deadline, "ticket"));

    auto result_bytes = TRY(read_exact(fd, sizeof(uint32_t), deadline, "link result"));
    uint32_t result;
    std::memcpy(&result, result_bytes.data(), sizeof result);
    if (result != SPICE_LINK_ERR_OK)
        return Error { "the server refused the link: " + link_error_text(result) };
    return ClientLinkedChannel { has_cap(reply.common_caps, SPICE_COMMON_CAP_MINI_HEADER), std::move(reply.channel_caps) };
}

} // namespace spicebox
