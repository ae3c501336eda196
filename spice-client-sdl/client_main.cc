#include "spice-client-sdl/client_main.h"

#include "spice-common/wire_reader.h"
#include "spice-common/wire_writer.h"

#include <spice/enums.h>
#include <spice/protocol.h>

#include <cstring>
#include <string>

namespace spicebox {

namespace {

constexpr uint32_t kMaxListedChannels = 256;
constexpr uint32_t kMaxNameBytes = 4096;
constexpr size_t kUuidBytes = 16;

} // namespace

ClientMain::ClientMain(ChannelConnection& channel, ClientDisplay& display, OpenChannel open_channel)
    : m_channel(channel)
    , m_display(display)
    , m_open_channel(std::move(open_channel))
{
}

std::vector<uint32_t> ClientMain::channel_caps() { return { 1u << SPICE_MAIN_CAP_NAME_AND_UUID }; }

bool ClientMain::client_mouse_mode() const { return m_mouse_mode == SPICE_MOUSE_MODE_CLIENT; }

void ClientMain::request_mouse_mode(bool client)
{
    uint16_t mode = client ? SPICE_MOUSE_MODE_CLIENT : SPICE_MOUSE_MODE_SERVER;
    m_wanted_mouse_mode = mode;
    if (m_session_id && (m_supported_mouse_modes & mode) && m_mouse_mode != mode) {
        std::vector<uint8_t> body;
        WireWriter(body).put_u16(mode);
        m_channel.send(SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST, body);
    }
}

Result<void> ClientMain::handle(const ChannelMessage& message)
{
    WireReader reader(message.body);
    switch (message.type) {
    case SPICE_MSG_MAIN_INIT: {
        auto session_id = TRY(reader.read<uint32_t>("MAIN_INIT"));
        TRY(reader.read<uint32_t>("MAIN_INIT")); // display channels hint
        m_supported_mouse_modes = TRY(reader.read<uint32_t>("MAIN_INIT"));
        m_mouse_mode = TRY(reader.read<uint32_t>("MAIN_INIT"));
        // The agent's state and tokens: this client sends no agent messages, so it needs neither.
        TRY(reader.skip(4 + 4, "MAIN_INIT"));
        auto multi_media_time = TRY(reader.read<uint32_t>("MAIN_INIT"));
        if (session_id == 0)
            return Error { "MAIN_INIT with session id 0" };
        m_session_id = session_id;
        m_display.set_multi_media_time(multi_media_time);
        m_channel.send(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
        if (m_wanted_mouse_mode)
            request_mouse_mode(m_wanted_mouse_mode == SPICE_MOUSE_MODE_CLIENT);
        return {};
    }
    case SPICE_MSG_MAIN_CHANNELS_LIST: {
        auto count = TRY(reader.read<uint32_t>("CHANNELS_LIST"));
        if (count > kMaxListedChannels)
            return Error { "CHANNELS_LIST of " + std::to_string(count) + " channels" };
        bool display_listed = false;
        for (uint32_t i = 0; i < count; ++i) {
            auto type = TRY(reader.read<uint8_t>("CHANNELS_LIST"));
            auto id = TRY(reader.read<uint8_t>("CHANNELS_LIST"));
            display_listed = display_listed || (type == SPICE_CHANNEL_DISPLAY && id == 0);
            TRY(m_open_channel(type, id));
        }
        if (!display_listed)
            return Error { "the server has no display channel" };
        return {};
    }
    case SPICE_MSG_MAIN_MOUSE_MODE:
        m_supported_mouse_modes = TRY(reader.read<uint16_t>("MOUSE_MODE"));
        m_mouse_mode = TRY(reader.read<uint16_t>("MOUSE_MODE"));
        // A server offers client mode only while the guest has an absolute pointer: ask again when
        // the wanted mode becomes available.
        if (m_wanted_mouse_mode)
            request_mouse_mode(m_wanted_mouse_mode == SPICE_MOUSE_MODE_CLIENT);
        return {};
    case SPICE_MSG_MAIN_MULTI_MEDIA_TIME:
        m_display.set_multi_media_time(TRY(reader.read<uint32_t>("MULTI_MEDIA_TIME")));
        return {};
    case SPICE_MSG_MAIN_NAME: {
        auto length = TRY(reader.read<uint32_t>("NAME"));
        if (length > kMaxNameBytes)
            return Error { "NAME of " + std::to_string(length) + " bytes" };
        auto bytes = TRY(reader.read_bytes(length, "NAME"));
        m_name.assign(reinterpret_cast<const char*>(bytes.data()), strnlen(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
        return {};
    }
    case SPICE_MSG_MAIN_UUID:
        TRY(reader.read_bytes(kUuidBytes, "UUID"));
        return {};
    }
    // The agent's messages and tokens, migration: nothing this client uses.
    return {};
}

} // namespace spicebox
