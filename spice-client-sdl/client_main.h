// The main channel on the client: MAIN_INIT (the session id, mouse modes, the server's multimedia
// time), the channel list whose display, cursor and inputs channels the session opens, mouse mode
// changes and requests, the server's name and UUID, and MULTI_MEDIA_TIME for video frame timing.
#pragma once

#include "spice-client-sdl/channel_connection.h"
#include "spice-client-sdl/client_display.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace spicebox {

class ClientMain {
public:
    // Links one more channel the server listed (type, id); an error ends the session.
    using OpenChannel = std::function<Result<void>(uint8_t type, uint8_t id)>;

    ClientMain(ChannelConnection& channel, ClientDisplay& display, OpenChannel open_channel);

    // The main channel capabilities we send in the link.
    static std::vector<uint32_t> channel_caps();

    Result<void> handle(const ChannelMessage&);

    // Asks for client (absolute) or server mouse mode now if the server offers it, else whenever it does.
    void request_mouse_mode(bool client);
    bool client_mouse_mode() const;
    uint32_t session_id() const { return m_session_id; }
    const std::string& name() const { return m_name; }

private:
    ChannelConnection& m_channel;
    ClientDisplay& m_display;
    OpenChannel m_open_channel;
    uint32_t m_session_id { 0 };
    uint32_t m_supported_mouse_modes { 0 };
    uint32_t m_mouse_mode { 0 };
    uint16_t m_wanted_mouse_mode { 0 };
    std::string m_name;
};

} // namespace spicebox
