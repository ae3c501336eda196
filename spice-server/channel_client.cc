#include "spice-server/channel_client.h"

#include "base/log.h"
#include "spice-server/channel_messages.h"

#include <spice/enums.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace spicebox {

namespace {

// Produce more only while less than this waits in the socket's queue: a slow client holds at most this
// plus one message, and its updates wait in its pipe, where they coalesce.
constexpr size_t kOutputLowWater = 256 * 1024;
// Bytes read per readiness callback, so one busy client cannot starve the others.
constexpr size_t kReadBudget = 256 * 1024;
// More than a channel ever queues by itself (the low water mark plus its largest message; an ACK window's
// worth of messages): what passes either are replies to requests of a client that does not read them.
// Both bound the memory such a client costs.
constexpr size_t kMaxPendingOutput = 64 * 1024 * 1024;
constexpr size_t kMaxPendingMessages = 16 * 1024;

// The message types spice.proto defines for clients on `channel_type`: those every channel shares, then the
// channel's own. Anything else is not a SPICE client (spice-server's demarshallers refuse it too).
bool is_client_message_type(uint8_t channel_type, uint16_t type)
{
    if (type >= SPICE_MSGC_ACK_SYNC && type <= SPICE_MSGC_DISCONNECTING)
        return true;
    switch (channel_type) {
    case SPICE_CHANNEL_MAIN:
        return type >= SPICE_MSGC_MAIN_CLIENT_INFO && type < SPICE_MSGC_END_MAIN;
    case SPICE_CHANNEL_DISPLAY:
        return type >= SPICE_MSGC_DISPLAY_INIT && type < SPICE_MSGC_END_DISPLAY;
    case SPICE_CHANNEL_INPUTS:
        return (type >= SPICE_MSGC_INPUTS_KEY_DOWN && type <= SPICE_MSGC_INPUTS_KEY_SCANCODE)
            || (type >= SPICE_MSGC_INPUTS_MOUSE_MOTION && type < SPICE_MSGC_END_INPUTS);
    default:
        return false;
    }
}

}

ChannelClient::ChannelClient(std::unique_ptr<SocketStream> stream, LinkRequest link, size_t max_message_bytes)
    : m_stream(std::move(stream))
    , m_link(std::move(link))
    , m_max_message_bytes(max_message_bytes)
    , m_mini_header(m_link.common_caps.has(SPICE_COMMON_CAP_MINI_HEADER))
{
}

const char* ChannelClient::name() const
{
    switch (m_link.channel_type) {
    case SPICE_CHANNEL_MAIN:
        return "main";
    case SPICE_CHANNEL_DISPLAY:
        return "display";
    case SPICE_CHANNEL_INPUTS:
        return "inputs";
    case SPICE_CHANNEL_CURSOR:
        return "cursor";
    default:
        return "channel";
    }
}

Result<void> ChannelClient::on_ready()
{
    size_t header_bytes = m_mini_header ? sizeof(SpiceMiniDataHeader) : sizeof(SpiceDataHeader);
    size_t read_so_far = 0;
    for (;;) {
        auto& input = m_stream->input();
        size_t before = input.size();
        // What arrived before the client closed is handled first: its last messages count.
        auto status = m_stream->receive(header_bytes + m_max_message_bytes);
        read_so_far += input.size() - before;
        size_t offset = 0;
        while (input.size() - offset >= header_bytes) {
            uint16_t type;
            uint32_t size;
            if (m_mini_header) {
                SpiceMiniDataHeader header;
                std::memcpy(&header, input.data() + offset, sizeof header);
                type = header.type;
                size = header.size;
            } else {
                SpiceDataHeader header;
                std::memcpy(&header, input.data() + offset, sizeof header);
                if (header.sub_list != 0)
                    return Error { "message type " + std::to_string(header.type) + " has a sub-message list, which clients do not send" };
                type = header.type;
                size = header.size;
            }
            if (!is_client_message_type(m_link.channel_type, type))
                return Error { "message type " + std::to_string(type) + " is not one a client sends on the " + name() + " channel" };
            if (size > m_max_message_bytes) {
                return Error { "message type " + std::to_string(type) + " of " + std::to_string(size) + " bytes exceeds the "
                    + name() + " channel's limit of " + std::to_string(m_max_message_bytes) };
            }
            if (input.size() - offset - header_bytes < size)
                break;
            auto body = std::span<const uint8_t>(input.data() + offset + header_bytes, size);
            bool handled = false;
            TRY(handle_common(type, body, handled));
            if (!handled)
                TRY(handle_message(type, body));
            offset += header_bytes + size;
        }
        m_stream->consume(offset);
        if (!status) {
            if (!input.empty())
                return Error { "the client closed the connection in the middle of a message (" + std::to_string(input.size()) + " bytes of it)" };
            return status.error();
        }
        if (pending_output() > kMaxPendingOutput || m_stream->pending_messages() > kMaxPendingMessages) {
            return Error { std::to_string(m_stream->pending_messages()) + " messages (" + std::to_string(pending_output())
                + " bytes) wait to be sent: the client asks for replies and does not read them" };
        }
        if (*status == SocketStream::ReadStatus::WouldBlock || read_so_far >= kReadBudget)
            break;
    }
    return pump();
}

Result<void> ChannelClient::pump()
{
    while (m_stream->pending_output() < kOutputLowWater && ack_window_open()) {
        if (!produce())
            break;
    }
    TRY(m_stream->flush());
    auto now = std::chrono::steady_clock::now();
    if (pending_output() == 0 || bytes_sent() != m_bytes_sent_at_stall_check) {
        m_bytes_sent_at_stall_check = bytes_sent();
        m_writing_since = now;
    } else if (now - m_writing_since >= kWriteStallTimeout) {
        return Error { "the client has not read anything for " + std::to_string(kWriteStallTimeout.count()) + " s while "
            + std::to_string(pending_output()) + " bytes wait for it" };
    }
    return {};
}

void ChannelClient::start_ack_window(uint32_t window)
{
    ++m_ack_generation;
    m_ack_synced = false;
    send(SPICE_MSG_SET_ACK, [&](WireWriter& writer) { marshal_set_ack(writer, m_ack_generation, window); });
    m_ack_window = window;
    m_unacknowledged = 0;
}

bool ChannelClient::ack_window_open() const { return m_ack_window == 0 || m_unacknowledged < 2 * m_ack_window; }

size_t ChannelClient::put_header(WireWriter& writer, uint16_t type)
{
    size_t start = writer.size();
    if (m_mini_header) {
        writer.put(SpiceMiniDataHeader { type, 0 });
        return start + offsetof(SpiceMiniDataHeader, size);
    }
    writer.put(SpiceDataHeader { ++m_serial, type, 0, 0 });
    return start + offsetof(SpiceDataHeader, size);
}

void ChannelClient::queue(std::vector<uint8_t> message)
{
    if (m_ack_window != 0)
        ++m_unacknowledged;
    m_stream->send(std::move(message));
}

Result<void> ChannelClient::handle_common(uint16_t type, std::span<const uint8_t> body, bool& handled)
{
    handled = true;
    switch (type) {
    case SPICE_MSGC_ACK_SYNC: {
        auto generation = TRY(parse_u32_body(body, "ACK_SYNC"));
        m_ack_synced = generation == m_ack_generation;
        return {};
    }
    case SPICE_MSGC_ACK:
        // Acks of an older generation (before the latest SET_ACK was seen) do not count.
        if (m_ack_synced)
            m_unacknowledged -= std::min(m_unacknowledged, m_ack_window);
        return {};
    case SPICE_MSGC_PONG:
        on_pong(TRY(parse_pong(body)));
        return {};
    case SPICE_MSGC_DISCONNECTING:
        LOG_INFO("spice", "%s channel: the client is disconnecting", name());
        return {};
    case SPICE_MSGC_MIGRATE_FLUSH_MARK:
    case SPICE_MSGC_MIGRATE_DATA:
        return {};
    default:
        handled = false;
        return {};
    }
}

} // namespace spicebox
