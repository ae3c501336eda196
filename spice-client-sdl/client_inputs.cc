#include "spice-client-sdl/client_inputs.h"

#include "spice-common/wire_writer.h"

#include <spice/enums.h>
#include <spice/protocol.h>

namespace spicebox {

namespace {

constexpr uint32_t kExtendedPrefix = 0xE0;
constexpr uint32_t kReleaseBit = 0x80;
constexpr uint32_t kMaxUnacknowledgedMotion = 2 * SPICE_INPUT_MOTION_ACK_BUNCH;

} // namespace

uint32_t ClientInputs::wire_scancode(uint32_t pc_scancode, bool down)
{
    uint32_t code = pc_scancode & 0xFF;
    if (!down)
        code |= kReleaseBit;
    // The server feeds the code's bytes to the keyboard from the low end: E0 first, then the key.
    if ((pc_scancode >> 8) == kExtendedPrefix)
        return kExtendedPrefix | code << 8;
    return code;
}

Result<void> ClientInputs::handle(const ChannelMessage& message)
{
    if (message.type == SPICE_MSG_INPUTS_MOUSE_MOTION_ACK) {
        m_unacknowledged = m_unacknowledged > SPICE_INPUT_MOTION_ACK_BUNCH ? m_unacknowledged - SPICE_INPUT_MOTION_ACK_BUNCH : 0;
        send_pending();
    }
    return {};
}

bool ClientInputs::motion_allowed() const { return m_unacknowledged < kMaxUnacknowledgedMotion; }

void ClientInputs::send_pending()
{
    if (!m_channel || !motion_allowed())
        return;
    if (m_motion_pending) {
        m_motion_pending = false;
        send_motion(m_pending_dx, m_pending_dy, m_buttons_state);
        m_pending_dx = m_pending_dy = 0;
    }
    if (m_pending_position && motion_allowed()) {
        auto position = *m_pending_position;
        m_pending_position.reset();
        send_position(position.x, position.y, m_buttons_state);
    }
}

void ClientInputs::send_key(uint32_t pc_scancode, bool down)
{
    if (!m_channel)
        return;
    std::vector<uint8_t> body;
    WireWriter(body).put_u32(wire_scancode(pc_scancode, down));
    m_channel->send(down ? SPICE_MSGC_INPUTS_KEY_DOWN : SPICE_MSGC_INPUTS_KEY_UP, body);
}

void ClientInputs::send_motion(int32_t dx, int32_t dy, uint32_t buttons_state)
{
    m_buttons_state = buttons_state;
    if (!m_channel)
        return;
    if (!motion_allowed()) {
        m_motion_pending = true;
        m_pending_dx += dx;
        m_pending_dy += dy;
        return;
    }
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_i32(dx);
    writer.put_i32(dy);
    writer.put_u16(uint16_t(buttons_state));
    m_channel->send(SPICE_MSGC_INPUTS_MOUSE_MOTION, body);
    ++m_unacknowledged;
}

void ClientInputs::send_position(int32_t x, int32_t y, uint32_t buttons_state)
{
    m_buttons_state = buttons_state;
    if (!m_channel)
        return;
    if (!motion_allowed()) {
        m_pending_position = Position { x, y };
        return;
    }
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u32(uint32_t(x < 0 ? 0 : x));
    writer.put_u32(uint32_t(y < 0 ? 0 : y));
    writer.put_u16(uint16_t(buttons_state));
    writer.put_u8(0); // display id: one display channel
    m_channel->send(SPICE_MSGC_INPUTS_MOUSE_POSITION, body);
    ++m_unacknowledged;
}

void ClientInputs::send_button(uint8_t spice_button, bool down, uint32_t buttons_state)
{
    m_buttons_state = buttons_state;
    if (!m_channel)
        return;
    // A button's position must be where the pointer is: merged motion goes first.
    send_pending();
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u8(spice_button);
    writer.put_u16(uint16_t(buttons_state));
    m_channel->send(down ? SPICE_MSGC_INPUTS_MOUSE_PRESS : SPICE_MSGC_INPUTS_MOUSE_RELEASE, body);
}

} // namespace spicebox
