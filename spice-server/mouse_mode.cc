#include "spice-server/mouse_mode.h"

#include "base/log.h"

namespace spicebox {

MouseMode::MouseMode(std::function<void(uint16_t supported, uint16_t current)> announce) : m_announce(std::move(announce)) { }

uint16_t MouseMode::supported() const
{
    return uint16_t(SPICE_MOUSE_MODE_SERVER | (m_client_available ? SPICE_MOUSE_MODE_CLIENT : 0));
}

void MouseMode::set_client_available(bool available)
{
    if (available == m_client_available)
        return;
    m_client_available = available;
    if (!available)
        m_current = SPICE_MOUSE_MODE_SERVER;
    LOG_INFO("spice", "client mouse mode is %s; mouse mode %s", available ? "available" : "gone",
        client() ? "client" : "server");
    m_announce(supported(), m_current);
}

void MouseMode::request(uint16_t mode)
{
    if (mode != SPICE_MOUSE_MODE_SERVER && mode != SPICE_MOUSE_MODE_CLIENT) {
        LOG_INFO("spice", "mouse mode %u requested: not a mode", unsigned(mode));
        return;
    }
    if (!(mode & supported())) {
        LOG_INFO("spice", "client mouse mode requested while the guest has no absolute pointer");
        return;
    }
    if (mode == m_current)
        return;
    m_current = mode;
    LOG_INFO("spice", "mouse mode %s", client() ? "client" : "server");
    m_announce(supported(), m_current);
}

} // namespace spicebox
