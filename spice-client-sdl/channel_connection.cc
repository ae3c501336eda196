#include "spice-client-sdl/channel_connection.h"

#include "base/log.h"
#include "spice-common/wire_reader.h"
#include "spice-common/wire_writer.h"

#include <spice/enums.h>
#include <spice/protocol.h>

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace spicebox {

namespace {

constexpr size_t kReadChunkBytes = 256 * 1024;
// Consumed input is dropped once this much of the buffer is behind the read position.
constexpr size_t kCompactBytes = 1 << 20;

const char* channel_type_name(uint8_t type)
{
    switch (type) {
    case SPICE_CHANNEL_MAIN:
        return "main";
    case SPICE_CHANNEL_DISPLAY:
        return "display";
    case SPICE_CHANNEL_INPUTS:
        return "inputs";
    case SPICE_CHANNEL_CURSOR:
        return "cursor";
    }
    return "other";
}

} // namespace

ChannelConnection::ChannelConnection(int fd, uint8_t channel_type, bool mini_header)
    : m_fd(fd)
    , m_channel_type(channel_type)
    , m_mini_header(mini_header)
{
}

ChannelConnection::~ChannelConnection()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

std::string ChannelConnection::name() const { return std::string(channel_type_name(m_channel_type)) + " channel"; }

void ChannelConnection::send(uint16_t type, std::span<const uint8_t> body)
{
    WireWriter writer(m_out);
    if (m_mini_header) {
        SpiceMiniDataHeader header { type, uint32_t(body.size()) };
        writer.put(header);
    } else {
        SpiceDataHeader header { m_out_serial++, type, uint32_t(body.size()), 0 };
        writer.put(header);
    }
    writer.put_bytes(body);
}

Result<void> ChannelConnection::flush()
{
    while (m_out_offset < m_out.size()) {
        ssize_t count = ::send(m_fd, m_out.data() + m_out_offset, m_out.size() - m_out_offset, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (count > 0) {
            m_out_offset += size_t(count);
            continue;
        }
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return {};
        return Error { name() + ": sending: " + std::strerror(errno) };
    }
    m_out.clear();
    m_out_offset = 0;
    return {};
}

Result<void> ChannelConnection::receive()
{
    for (;;) {
        // Enough for the largest message is buffered: let the channel code consume it first, so a
        // server that floods us cannot grow the buffer without bound.
        if (m_in.size() - m_in_offset > kMaxMessageBytes + sizeof(SpiceDataHeader))
            return {};
        if (m_in_offset >= kCompactBytes) {
            m_in.erase(m_in.begin(), m_in.begin() + ptrdiff_t(m_in_offset));
            m_in_offset = 0;
        }
        size_t at = m_in.size();
        m_in.resize(at + kReadChunkBytes);
        ssize_t count = ::recv(m_fd, m_in.data() + at, kReadChunkBytes, MSG_DONTWAIT);
        m_in.resize(at + size_t(count > 0 ? count : 0));
        if (count > 0)
            continue;
        if (count == 0)
            return Error { name() + ": the server closed the connection" };
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return {};
        return Error { name() + ": receiving: " + std::strerror(errno) };
    }
}

void ChannelConnection::feed(std::span<const uint8_t> bytes) { m_in.insert(m_in.end(), bytes.begin(), bytes.end()); }

Result<std::optional<ChannelMessage>> ChannelConnection::take_framed()
{
    size_t header_bytes = m_mini_header ? sizeof(SpiceMiniDataHeader) : sizeof(SpiceDataHeader);
    size_t available = m_in.size() - m_in_offset;
    if (available < header_bytes)
        return std::optional<ChannelMessage> {};
    WireReader reader(std::span<const uint8_t>(m_in).subspan(m_in_offset, header_bytes));
    uint16_t type = 0;
    uint32_t size = 0;
    if (m_mini_header) {
        auto header = TRY(reader.read<SpiceMiniDataHeader>("message header"));
        type = header.type;
        size = header.size;
    } else {
        auto header = TRY(reader.read<SpiceDataHeader>("message header"));
        type = header.type;
        size = header.size;
        // Sub-message lists in full headers are the older way of bundling; no server we know sends them.
        if (header.sub_list != 0)
            return Error { name() + ": message " + std::to_string(type) + " with a sub-message list in its header" };
    }
    if (size > kMaxMessageBytes)
        return Error { name() + ": message " + std::to_string(type) + " of " + std::to_string(size) + " bytes is too large" };
    if (available - header_bytes < size)
        return std::optional<ChannelMessage> {};
    auto start = m_in.begin() + ptrdiff_t(m_in_offset + header_bytes);
    ChannelMessage message { type, std::vector<uint8_t>(start, start + size) };
    m_in_offset += header_bytes + size;
    if (m_in_offset == m_in.size()) {
        m_in.clear();
        m_in_offset = 0;
    }
    return std::optional<ChannelMessage> { std::move(message) };
}

Result<void> ChannelConnection::count_for_ack()
{
    if (m_ack_window == 0)
        return {};
    if (++m_unacked >= m_ack_window) {
        m_unacked = 0;
        send(SPICE_MSGC_ACK, {});
    }
    return {};
}

Result<void> ChannelConnection::expand_list(const ChannelMessage& list)
{
    WireReader reader(list.body);
    auto count = TRY(reader.read<uint16_t>("sub-message list"));
    for (uint16_t i = 0; i < count; ++i) {
        auto offset = TRY(reader.read<uint32_t>("sub-message offset"));
        if (offset > list.body.size())
            return Error { name() + ": sub-message offset outside the LIST" };
        WireReader sub(std::span<const uint8_t>(list.body).subspan(offset));
        auto header = TRY(sub.read<SpiceSubMessage>("sub-message"));
        auto body = TRY(sub.read_bytes(header.size, "sub-message body"));
        m_list_messages.push_back(ChannelMessage { header.type, std::vector<uint8_t>(body.begin(), body.end()) });
    }
    return {};
}

Result<bool> ChannelConnection::handle_common(const ChannelMessage& message)
{
    WireReader reader(message.body);
    switch (message.type) {
    case SPICE_MSG_SET_ACK: {
        auto generation = TRY(reader.read<uint32_t>("SET_ACK"));
        m_ack_window = TRY(reader.read<uint32_t>("SET_ACK"));
        m_unacked = 0;
        std::vector<uint8_t> reply;
        WireWriter(reply).put_u32(generation);
        send(SPICE_MSGC_ACK_SYNC, reply);
        return true;
    }
    case SPICE_MSG_PING: {
        auto id = TRY(reader.read<uint32_t>("PING"));
        auto timestamp = TRY(reader.read<uint64_t>("PING"));
        std::vector<uint8_t> reply;
        WireWriter writer(reply);
        writer.put_u32(id);
        writer.put_u64(timestamp);
        send(SPICE_MSGC_PONG, reply);
        return true;
    }
    case SPICE_MSG_NOTIFY: {
        // time_stamp, severity, visibility, what, then the text's length and bytes.
        TRY(reader.skip(8 + 4 + 4 + 4, "NOTIFY"));
        auto length = TRY(reader.read<uint32_t>("NOTIFY"));
        auto text = TRY(reader.read_bytes(std::min<size_t>(length, reader.remaining()), "NOTIFY"));
        LOG_INFO("spice-client", "%s: server notice: %s", name().c_str(),
            std::string(reinterpret_cast<const char*>(text.data()), strnlen(reinterpret_cast<const char*>(text.data()), text.size())).c_str());
        return true;
    }
    case SPICE_MSG_DISCONNECTING:
        return Error { name() + ": the server is disconnecting" };
    case SPICE_MSG_MIGRATE:
    case SPICE_MSG_MIGRATE_DATA:
    case SPICE_MSG_WAIT_FOR_CHANNELS:
        // Channels are handled one message at a time in arrival order on one thread, which already
        // gives the ordering WAIT_FOR_CHANNELS asks for; migration is not supported.
        return true;
    case SPICE_MSG_LIST:
        TRY(expand_list(message));
        return true;
    }
    return false;
}

Result<std::optional<ChannelMessage>> ChannelConnection::next_message()
{
    for (;;) {
        if (!m_list_messages.empty()) {
            auto message = std::move(m_list_messages.front());
            m_list_messages.pop_front();
            if (TRY(handle_common(message)))
                continue;
            return std::optional<ChannelMessage> { std::move(message) };
        }
        auto message = TRY(take_framed());
        if (!message)
            return message;
        TRY(count_for_ack());
        if (TRY(handle_common(*message)))
            continue;
        return message;
    }
}

} // namespace spicebox
