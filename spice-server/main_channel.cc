#include "spice-server/main_channel.h"

#include "base/log.h"

#include <spice/enums.h>

namespace spicebox {

MainChannelClient::MainChannelClient(std::unique_ptr<SocketStream> stream, LinkRequest link, uint32_t session_id,
    std::vector<ChannelAddress> channels, std::chrono::steady_clock::time_point multimedia_epoch, MouseMode& mouse_mode)
    : ChannelClient(std::move(stream), std::move(link), kMainMaxMessageBytes)
    , m_channels(std::move(channels))
    , m_multimedia_epoch(multimedia_epoch)
    , m_mouse_mode(mouse_mode)
{
    set_session_id(session_id);
}

uint64_t MainChannelClient::now_microseconds() const
{
    return uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - m_multimedia_epoch).count());
}

Result<void> MainChannelClient::start()
{
    MainInit init {
        .session_id = session_id(),
        .display_channels_hint = 1,
        .supported_mouse_modes = m_mouse_mode.supported(),
        .current_mouse_mode = m_mouse_mode.current(),
        .agent_connected = 0,
        .agent_tokens = kAgentTokens,
        .multi_media_time = uint32_t(now_microseconds() / 1000),
        .ram_hint = 0,
    };
    send(SPICE_MSG_MAIN_INIT, [&](WireWriter& writer) { marshal_main_init(writer, init); });
    send(SPICE_MSG_PING, [&](WireWriter& writer) { marshal_ping(writer, ++m_ping_id, now_microseconds()); });
    return {};
}

void MainChannelClient::on_pong(const Pong& pong)
{
    if (pong.id != m_ping_id)
        return;
    uint64_t now = now_microseconds();
    if (pong.timestamp <= now) {
        m_round_trip = std::chrono::microseconds(now - pong.timestamp);
        LOG_DEBUG("spice", "main channel: round trip %llu us", static_cast<unsigned long long>(m_round_trip->count()));
    }
}

void MainChannelClient::send_mouse_mode(uint16_t supported, uint16_t current)
{
    send(SPICE_MSG_MAIN_MOUSE_MODE, [&](WireWriter& writer) { marshal_mouse_mode(writer, supported, current); });
}

Result<void> MainChannelClient::handle_message(uint16_t type, std::span<const uint8_t> body)
{
    switch (type) {
    case SPICE_MSGC_MAIN_ATTACH_CHANNELS:
        m_attached_channels = true;
        send(SPICE_MSG_MAIN_CHANNELS_LIST, [&](WireWriter& writer) { marshal_channels_list(writer, m_channels); });
        return {};
    case SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST: {
        auto mode = TRY(parse_u16_body(body, "MOUSE_MODE_REQUEST"));
        auto before = m_mouse_mode.current();
        m_mouse_mode.request(mode);
        // A change was announced to every client, this one included; otherwise this one is told the mode stays.
        if (m_mouse_mode.current() == before)
            send_mouse_mode(m_mouse_mode.supported(), m_mouse_mode.current());
        return {};
    }
    case SPICE_MSGC_MAIN_AGENT_START:
    case SPICE_MSGC_MAIN_AGENT_TOKEN:
        // Tokens for agent data the server would send; without an agent it sends none.
        TRY(parse_u32_body(body, type == SPICE_MSGC_MAIN_AGENT_START ? "AGENT_START" : "AGENT_TOKEN"));
        return {};
    case SPICE_MSGC_MAIN_AGENT_DATA:
        // No agent to forward to: the data is dropped and its token handed straight back.
        send(SPICE_MSG_MAIN_AGENT_TOKEN, [](WireWriter& writer) { marshal_agent_token(writer, 1); });
        return {};
    case SPICE_MSGC_MAIN_CLIENT_INFO:
    case SPICE_MSGC_MAIN_QUALITY_INDICATOR:
    case SPICE_MSGC_MAIN_MIGRATE_CONNECTED:
    case SPICE_MSGC_MAIN_MIGRATE_CONNECT_ERROR:
    case SPICE_MSGC_MAIN_MIGRATE_END:
    case SPICE_MSGC_MAIN_MIGRATE_DST_DO_SEAMLESS:
    case SPICE_MSGC_MAIN_MIGRATE_CONNECTED_SEAMLESS:
        return {};
    default:
        LOG_DEBUG("spice", "main channel: message type %u ignored", type);
        return {};
    }
}

} // namespace spicebox
