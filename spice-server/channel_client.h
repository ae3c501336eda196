// One linked channel connection of one client: data message framing (mini or full headers, as the
// client's caps asked), the messages every channel shares (ACK_SYNC, ACK, PONG, DISCONNECTING, ...), the
// ACK window that paces what the server sends, and the size check of every message before it is parsed.
// Subclasses implement one channel each.
#pragma once

#include "base/result.h"
#include "spice-common/wire_writer.h"
#include "spice-server/channel_messages.h"
#include "spice-server/link_handshake.h"
#include "spice-server/socket_stream.h"

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace spicebox {

// A client whose socket has taken nothing for this long while output waits for it is disconnected, as
// spice-server does: it would hold its pipe and its connection for ever.
constexpr auto kWriteStallTimeout = std::chrono::seconds(30);

class ChannelClient {
public:
    // Messages larger than `max_message_bytes` disconnect the client (spice-server's per-channel limits).
    ChannelClient(std::unique_ptr<SocketStream>, LinkRequest, size_t max_message_bytes);
    virtual ~ChannelClient() = default;

    int fd() const { return m_stream->fd(); }
    const LinkRequest& link() const { return m_link; }
    // The session (the main channel's connection id) this channel belongs to.
    uint32_t session_id() const { return m_session_id; }
    void set_session_id(uint32_t id) { m_session_id = id; }
    size_t pending_output() const { return m_stream->pending_output(); }
    uint64_t bytes_sent() const { return m_stream->bytes_sent(); }
    bool peer_closed() const { return m_stream->peer_closed(); }
    // The peer closed between messages: an orderly end, not a truncated message.
    bool closed_cleanly() const { return m_stream->peer_closed() && m_stream->input().empty(); }
    const char* name() const;

    // The channel's first messages, right after the link succeeded.
    virtual Result<void> start() = 0;
    // Reads and handles what arrived, then sends what is due. An Error means: disconnect this client.
    Result<void> on_ready();
    // Sends what is due (e.g. new screen updates); an Error means: disconnect, also when the client has
    // not read for kWriteStallTimeout (checked on each call: the server pumps display clients every tick).
    Result<void> pump();

protected:
    virtual Result<void> handle_message(uint16_t type, std::span<const uint8_t> body) = 0;
    // Queues the next message of a channel that produces output over time; false when it has none.
    // Called only while the socket keeps up and the ACK window is open.
    virtual bool produce() { return false; }
    virtual void on_pong(const Pong&) { }

    // Queues one message: `write_body` appends its body to the writer.
    template<typename WriteBody>
    void send(uint16_t type, WriteBody&& write_body)
    {
        std::vector<uint8_t> message;
        WireWriter writer(message);
        size_t size_field = put_header(writer, type);
        size_t body_start = writer.size();
        write_body(writer);
        writer.patch_u32(size_field, uint32_t(writer.size() - body_start));
        queue(std::move(message));
    }
    void send_empty(uint16_t type)
    {
        send(type, [](WireWriter&) { });
    }
    // Starts ACK flow control: SET_ACK, then at most 2 x window messages unacknowledged.
    void start_ack_window(uint32_t window);

private:
    size_t put_header(WireWriter&, uint16_t type);
    void queue(std::vector<uint8_t> message);
    Result<void> handle_common(uint16_t type, std::span<const uint8_t> body, bool& handled);
    bool ack_window_open() const;

    std::unique_ptr<SocketStream> m_stream;
    LinkRequest m_link;
    size_t m_max_message_bytes;
    bool m_mini_header;
    uint32_t m_session_id { 0 };
    uint64_t m_serial { 0 };

    uint32_t m_ack_window { 0 }; // 0: no flow control
    uint32_t m_ack_generation { 0 };
    bool m_ack_synced { false };
    uint32_t m_unacknowledged { 0 };

    uint64_t m_bytes_sent_at_stall_check { 0 };
    std::chrono::steady_clock::time_point m_writing_since { std::chrono::steady_clock::now() };
};

} // namespace spicebox
