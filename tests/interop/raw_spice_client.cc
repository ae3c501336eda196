#include "tests/interop/raw_spice_client.h"

#include "spice-common/wire_writer.h"
#include "spice-server/ticket_key.h"
#include "tests/unit/spice-server/spice_test_client.h"

#include <spice/enums.h>
#include <spice/protocol.h>

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace spicebox::test {

namespace {

constexpr auto kLinkDeadline = std::chrono::seconds(10);
constexpr size_t kLinkReplyBytes = sizeof(SpiceLinkHeader) + sizeof(SpiceLinkReply);

}

uint32_t le32_at(std::span<const uint8_t> bytes, size_t offset)
{
    uint32_t value = 0;
    if (offset + sizeof value <= bytes.size())
        std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

RawSpiceClient::RawSpiceClient(uint16_t port, std::optional<int> receive_buffer_bytes)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && receive_buffer_bytes)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &*receive_buffer_bytes, sizeof *receive_buffer_bytes);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        if (fd >= 0)
            close(fd);
        return;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    m_fd = fd;
}

RawSpiceClient::~RawSpiceClient()
{
    if (m_fd >= 0)
        close(m_fd);
}

void RawSpiceClient::send_bytes(std::span<const uint8_t> bytes)
{
    auto deadline = std::chrono::steady_clock::now() + kLinkDeadline;
    while (!bytes.empty() && m_fd >= 0 && std::chrono::steady_clock::now() < deadline) {
        ssize_t count = ::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (count > 0) {
            bytes = bytes.subspan(size_t(count));
            continue;
        }
        if (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return;
        pollfd writable { m_fd, POLLOUT, 0 };
        poll(&writable, 1, 100);
    }
}

void RawSpiceClient::send_message(uint16_t type, std::span<const uint8_t> body)
{
    std::vector<uint8_t> bytes;
    WireWriter writer(bytes);
    writer.put(SpiceMiniDataHeader { type, uint32_t(body.size()) });
    writer.put_bytes(body);
    send_bytes(bytes);
}

// Reads until the buffer holds `count` bytes; false when the deadline passed or the server closed first.
bool RawSpiceClient::fill(size_t count, std::chrono::steady_clock::time_point deadline)
{
    while (m_buffer.size() < count && !m_closed && m_fd >= 0) {
        uint8_t chunk[65536];
        ssize_t got = recv(m_fd, chunk, sizeof chunk, 0);
        if (got > 0) {
            m_buffer.insert(m_buffer.end(), chunk, chunk + got);
            m_bytes += uint64_t(got);
            continue;
        }
        if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            m_closed = true;
            break;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return false;
        pollfd readable { m_fd, POLLIN, 0 };
        poll(&readable, 1, int(std::min<int64_t>(left.count(), 100)));
    }
    return m_buffer.size() >= count;
}

std::optional<uint32_t> RawSpiceClient::link(uint32_t connection_id, uint8_t channel_type, const std::string& password)
{
    return link_as(connection_id, channel_type, [&](std::span<const uint8_t> key) { return encrypt_ticket(key, password); });
}

std::optional<uint32_t> RawSpiceClient::link_with_ticket(uint32_t connection_id, uint8_t channel_type, std::span<const uint8_t> ticket)
{
    return link_as(connection_id, channel_type, [&](std::span<const uint8_t>) { return std::vector<uint8_t>(ticket.begin(), ticket.end()); });
}

template<typename MakeTicket>
std::optional<uint32_t> RawSpiceClient::link_as(uint32_t connection_id, uint8_t channel_type, MakeTicket&& make_ticket)
{
    auto deadline = std::chrono::steady_clock::now() + kLinkDeadline;
    send_bytes(link_message(connection_id, channel_type, 0, kSpiceGtkCommonCaps, {}));
    if (!fill(kLinkReplyBytes, deadline))
        return std::nullopt;
    uint32_t error = le32_at(m_buffer, sizeof(SpiceLinkHeader));
    size_t reply_bytes = sizeof(SpiceLinkHeader) + le32_at(m_buffer, offsetof(SpiceLinkHeader, size));
    if (error != SPICE_LINK_ERR_OK)
        return error;
    if (!fill(reply_bytes, deadline))
        return std::nullopt;
    std::vector<uint8_t> key(m_buffer.begin() + sizeof(SpiceLinkHeader) + offsetof(SpiceLinkReply, pub_key),
        m_buffer.begin() + sizeof(SpiceLinkHeader) + offsetof(SpiceLinkReply, pub_key) + TicketKey::public_key_bytes);
    m_buffer.erase(m_buffer.begin(), m_buffer.begin() + ptrdiff_t(reply_bytes));
    std::vector<uint8_t> auth;
    WireWriter(auth).put_u32(SPICE_COMMON_CAP_AUTH_SPICE);
    auto ticket = make_ticket(key);
    auth.insert(auth.end(), ticket.begin(), ticket.end());
    send_bytes(auth);
    if (!fill(sizeof(uint32_t), deadline))
        return std::nullopt;
    uint32_t result = le32_at(m_buffer, 0);
    m_buffer.erase(m_buffer.begin(), m_buffer.begin() + sizeof(uint32_t));
    return result;
}

std::optional<uint32_t> RawSpiceClient::open_main(const std::string& password)
{
    if (link(0, SPICE_CHANNEL_MAIN, password) != SPICE_LINK_ERR_OK)
        return std::nullopt;
    auto init = receive_message(kLinkDeadline);
    if (!init || init->type != SPICE_MSG_MAIN_INIT)
        return std::nullopt;
    send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    for (;;) {
        auto message = receive_message(kLinkDeadline);
        if (!message)
            return std::nullopt;
        handle_flow_control(*message);
        if (message->type == SPICE_MSG_MAIN_CHANNELS_LIST)
            return le32_at(init->body, 0);
    }
}

std::optional<SpiceMessage> RawSpiceClient::receive_message(std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    if (!fill(sizeof(SpiceMiniDataHeader), deadline))
        return std::nullopt;
    SpiceMiniDataHeader header;
    std::memcpy(&header, m_buffer.data(), sizeof header);
    if (!fill(sizeof header + header.size, deadline))
        return std::nullopt;
    SpiceMessage message { header.type, std::vector<uint8_t>(m_buffer.begin() + sizeof header, m_buffer.begin() + ptrdiff_t(sizeof header + header.size)) };
    m_buffer.erase(m_buffer.begin(), m_buffer.begin() + ptrdiff_t(sizeof header + header.size));
    ++m_messages;
    if (message.type >= SPICE_MSG_DISPLAY_DRAW_FILL && message.type <= SPICE_MSG_DISPLAY_DRAW_COMPOSITE)
        ++m_draws;
    return message;
}

void RawSpiceClient::handle_flow_control(const SpiceMessage& message)
{
    switch (message.type) {
    case SPICE_MSG_SET_ACK: {
        m_ack_window = le32_at(message.body, 4);
        m_unacknowledged = 0;
        std::vector<uint8_t> generation(message.body.begin(), message.body.begin() + std::min<size_t>(4, message.body.size()));
        send_message(SPICE_MSGC_ACK_SYNC, generation);
        return;
    }
    case SPICE_MSG_PING: {
        // PONG echoes the ping's id and timestamp.
        std::vector<uint8_t> pong(message.body.begin(), message.body.begin() + std::min<size_t>(12, message.body.size()));
        send_message(SPICE_MSGC_PONG, pong);
        break;
    }
    default:
        break;
    }
    if (m_ack_window != 0 && ++m_unacknowledged >= m_ack_window) {
        send_message(SPICE_MSGC_ACK, {});
        m_unacknowledged = 0;
    }
}

void RawSpiceClient::serve(std::chrono::milliseconds duration)
{
    auto end = std::chrono::steady_clock::now() + duration;
    while (!m_closed) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            return;
        if (auto message = receive_message(left))
            handle_flow_control(*message);
    }
}

bool RawSpiceClient::wait_closed(std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!m_closed && std::chrono::steady_clock::now() < deadline) {
        fill(m_buffer.size() + 1, deadline);
        m_buffer.clear();
    }
    return m_closed;
}

}
