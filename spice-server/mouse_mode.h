// The server's mouse mode, one for all clients as in spice-server: server mode (the client sends relative
// motion and the guest draws its own pointer) or client mode (the client sends positions over the primary
// surface and draws the pointer itself). Client mode is offered only while the guest has an absolute
// pointing device in use; when it goes away, the mode falls back to server mode. Every change is
// announced to every main channel (MAIN_MOUSE_MODE), and spice-gtk clients then ask for client mode by
// themselves.
#pragma once

#include <spice/enums.h>

#include <cstdint>
#include <functional>

namespace spicebox {

class MouseMode {
public:
    // `announce(supported, current)` tells every main channel; called on each change.
    explicit MouseMode(std::function<void(uint16_t supported, uint16_t current)> announce);

    uint16_t supported() const;
    uint16_t current() const { return m_current; }
    bool client() const { return m_current == SPICE_MOUSE_MODE_CLIENT; }

    // The guest's absolute device came or went.
    void set_client_available(bool);
    // A client asked for `mode`: granted when supported. Either way the client is owed the mode the
    // server is in, which the caller sends it (spice-server answers every request).
    void request(uint16_t mode);

private:
    std::function<void(uint16_t, uint16_t)> m_announce;
    bool m_client_available { false };
    uint16_t m_current { SPICE_MOUSE_MODE_SERVER };
};

} // namespace spicebox
