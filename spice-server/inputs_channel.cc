#include "spice-server/inputs_channel.h"

#include "base/log.h"

#include <spice/enums.h>
#include <spice/protocol.h>

#include <algorithm>

namespace spicebox {

namespace {

constexpr uint8_t kExtendedPrefix = 0xE0;
constexpr uint8_t kPausePrefix = 0xE1;
constexpr uint8_t kBreakBit = 0x80;

}

std::optional<uint16_t> scancode_from_key_code(uint32_t code)
{
    auto first = uint8_t(code & 0xFF);
    // 0xE0 extended keys, and Pause, which spice-gtk sends as E1 1D followed by a plain 45.
    if (first == kExtendedPrefix || first == kPausePrefix) {
        auto second = uint8_t(code >> 8 & 0xFF);
        if (second == 0 || second == kExtendedPrefix || second == kPausePrefix || (code >> 16) != 0)
            return std::nullopt;
        return uint16_t(first << 8 | (second & ~kBreakBit));
    }
    if (first == 0 || (code >> 8) != 0)
        return std::nullopt;
    return uint16_t(first & ~kBreakBit);
}

uint32_t absolute_coordinate(uint32_t pixel, uint32_t size)
{
    if (size <= 1)
        return 0;
    return uint32_t(uint64_t(std::min(pixel, size - 1)) * absolute_pointer_max / (size - 1));
}

InputsChannelClient::InputsChannelClient(std::unique_ptr<SocketStream> stream, LinkRequest link, InputSink* sink,
    const MouseMode& mouse_mode, ScreenSize screen_size)
    : ChannelClient(std::move(stream), std::move(link), kInputsMaxMessageBytes)
    , m_sink(sink)
    , m_mouse_mode(mouse_mode)
    , m_screen_size(std::move(screen_size))
{
}

void InputsChannelClient::position(const MousePosition& position)
{
    // spice-server's rule: positions count only in client mode, and only on the first display.
    if (!m_sink || !m_mouse_mode.client() || position.display_id != 0)
        return;
    auto [width, height] = m_screen_size();
    if (width == 0 || height == 0)
        return;
    m_absolute_x = absolute_coordinate(position.x, width);
    m_absolute_y = absolute_coordinate(position.y, height);
    m_sink->pointer_position(m_absolute_x, m_absolute_y, 0, position.buttons_state);
}

void InputsChannelClient::buttons(uint32_t buttons, int32_t wheel)
{
    if (m_mouse_mode.client())
        m_sink->pointer_position(m_absolute_x, m_absolute_y, wheel, buttons);
    else
        m_sink->pointer_motion(0, 0, wheel, buttons);
}

Result<void> InputsChannelClient::start()
{
    send(SPICE_MSG_INPUTS_INIT, [](WireWriter& writer) { marshal_inputs_init(writer, 0); });
    return {};
}

void InputsChannelClient::count_motion()
{
    if (++m_motions % SPICE_INPUT_MOTION_ACK_BUNCH == 0)
        send_empty(SPICE_MSG_INPUTS_MOUSE_MOTION_ACK);
}

Result<void> InputsChannelClient::handle_message(uint16_t type, std::span<const uint8_t> body)
{
    switch (type) {
    case SPICE_MSGC_INPUTS_KEY_DOWN:
    case SPICE_MSGC_INPUTS_KEY_UP: {
        bool down = type == SPICE_MSGC_INPUTS_KEY_DOWN;
        auto code = TRY(parse_u32_body(body, down ? "KEY_DOWN" : "KEY_UP"));
        auto scancode = scancode_from_key_code(code);
        if (!scancode) {
            LOG_DEBUG("spice", "inputs channel: key code 0x%08x ignored", code);
            return {};
        }
        if (m_sink)
            down ? m_sink->key_down(*scancode) : m_sink->key_up(*scancode);
        return {};
    }
    case SPICE_MSGC_INPUTS_KEY_MODIFIERS:
        // The client's lock LEDs; the guest owns its keyboard's LED state.
        TRY(parse_u16_body(body, "KEY_MODIFIERS"));
        return {};
    case SPICE_MSGC_INPUTS_MOUSE_MOTION: {
        auto motion = TRY(parse_mouse_motion(body));
        // Relative motion moves the guest's pointer in server mode only, as in spice-server.
        if (m_sink && !m_mouse_mode.client())
            m_sink->pointer_motion(motion.dx, motion.dy, 0, motion.buttons_state);
        count_motion();
        return {};
    }
    case SPICE_MSGC_INPUTS_MOUSE_POSITION:
        position(TRY(parse_mouse_position(body)));
        count_motion();
        return {};
    case SPICE_MSGC_INPUTS_MOUSE_PRESS:
    case SPICE_MSGC_INPUTS_MOUSE_RELEASE: {
        auto event = TRY(parse_mouse_button(body));
        bool press = type == SPICE_MSGC_INPUTS_MOUSE_PRESS;
        if (!m_sink)
            return {};
        if (event.button == SPICE_MOUSE_BUTTON_UP || event.button == SPICE_MOUSE_BUTTON_DOWN) {
            // A wheel notch is a press and a release; the press moves the wheel.
            if (press)
                buttons(event.buttons_state, event.button == SPICE_MOUSE_BUTTON_UP ? -1 : 1);
        } else {
            buttons(event.buttons_state, 0);
        }
        return {};
    }
    default:
        LOG_DEBUG("spice", "inputs channel: message type %u ignored", type);
        return {};
    }
}

} // namespace spicebox
