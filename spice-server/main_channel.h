// The main channel of one client: it opens the session (MAIN_INIT with the session id the client's other
// channels then link with), lists the channels after ATTACH_CHANNELS, answers mouse mode requests, pings
// for a round-trip time, and consumes agent messages while no guest agent exists, returning the client's
// agent tokens so it never stalls.
#pragma once

#include "spice-server/channel_client.h"
#include "spice-server/mouse_mode.h"

#include <chrono>
#include <optional>
#include <vector>

namespace spicebox {

// spice-server's main channel receive limit: an agent chunk of 2048 bytes at most, several per message.
constexpr size_t kMainMaxMessageBytes = 4096 + 11 * 2048;
// Agent messages the client may send before it must wait for an AGENT_TOKEN (spice-server's window).
constexpr uint32_t kAgentTokens = 10;

class MainChannelClient final : public ChannelClient {
public:
    MainChannelClient(std::unique_ptr<SocketStream>, LinkRequest, uint32_t session_id, std::vector<ChannelAddress> channels,
        std::chrono::steady_clock::time_point multimedia_epoch, MouseMode&);

    Result<void> start() override;
    // Queues a MAIN_MOUSE_MODE (the server's mode changed); the caller pumps.
    void send_mouse_mode(uint16_t supported, uint16_t current);
    // The client sent ATTACH_CHANNELS: only then may its session's other channels link (real clients link
    // them after the CHANNELS_LIST that answers it).
    bool attached_channels() const { return m_attached_channels; }
    // The last measured round trip, once a PONG came back.
    std::optional<std::chrono::microseconds> round_trip() const { return m_round_trip; }

private:
    Result<void> handle_message(uint16_t type, std::span<const uint8_t> body) override;
    void on_pong(const Pong&) override;
    uint64_t now_microseconds() const;

    std::vector<ChannelAddress> m_channels;
    std::chrono::steady_clock::time_point m_multimedia_epoch;
    MouseMode& m_mouse_mode;
    uint32_t m_ping_id { 0 };
    bool m_attached_channels { false };
    std::optional<std::chrono::microseconds> m_round_trip;
};

} // namespace spicebox
