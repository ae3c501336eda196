// One linked SPICE channel from the client side: framing of data messages (mini or full headers), a
// non-blocking send queue, and the messages every channel shares (SET_ACK and ACKs, PING -> PONG,
// NOTIFY, LIST's sub-messages, DISCONNECTING), so the channel code sees only its own messages.
#pragma once

#include "base/result.h"

#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace spicebox {

struct ChannelMessage {
    uint16_t type { 0 };
    std::vector<uint8_t> body;
};

class ChannelConnection {
public:
    // `fd` is linked and becomes the connection's (closed with it).
    ChannelConnection(int fd, uint8_t channel_type, bool mini_header);
    ~ChannelConnection();
    ChannelConnection(const ChannelConnection&) = delete;
    ChannelConnection& operator=(const ChannelConnection&) = delete;

    // A message body larger than this ends the session: above the largest raw full-screen image a
    // server sends (16384 x 4096 pixels), and a bound on what one message can make us hold.
    static constexpr uint32_t kMaxMessageBytes = 256u << 20;

    int fd() const { return m_fd; }
    uint8_t channel_type() const { return m_channel_type; }
    std::string name() const;

    void send(uint16_t type, std::span<const uint8_t> body);
    // Writes what the socket takes now.
    Result<void> flush();
    bool wants_write() const { return m_out_offset < m_out.size(); }

    // Reads what arrived (non-blocking); an error when the server closed the channel.
    Result<void> receive();
    // The next message for the channel's own code, or nullopt when none is complete yet.
    Result<std::optional<ChannelMessage>> next_message();

    // Feeds bytes as if they had arrived (unit tests drive the framing with this).
    void feed(std::span<const uint8_t> bytes);

private:
    Result<std::optional<ChannelMessage>> take_framed();
    // True when the message was a common one and has been handled here.
    Result<bool> handle_common(const ChannelMessage&);
    Result<void> expand_list(const ChannelMessage&);
    Result<void> count_for_ack();

    int m_fd { -1 };
    uint8_t m_channel_type { 0 };
    bool m_mini_header { true };
    uint64_t m_out_serial { 1 };
    std::vector<uint8_t> m_in;
    size_t m_in_offset { 0 };
    std::vector<uint8_t> m_out;
    size_t m_out_offset { 0 };
    std::deque<ChannelMessage> m_list_messages;
    uint32_t m_ack_window { 0 };
    uint32_t m_unacked { 0 };
};

} // namespace spicebox
