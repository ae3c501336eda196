#include "spice-server/inputs_channel.h"

#include "base/log.h"

#include <spice/enums.h>
#include <spice/protocol.h>

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

InputsChannelClient::InputsChannelClient(std::unique_ptr<SocketStream> stream, LinkRequest link, InputSink* sink)
    : ChannelClient(std::move(stream), std::move(link), kInputsMaxMessageBytes)
    , m_sink(sink)
{
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
        if (m_sink)
            m_sink->pointer_motion(motion.dx, motion.dy, 0, motion.buttons_state);
        count_motion();
        return {};
    }
    case SPICE_MSGC_INPUTS_MOUSE_POSITION:
        // Client mouse mode is not offered, but a position still counts toward the motion acks.
        TRY(parse_mouse_motion(body));
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
                m_sink->pointer_motion(0, 0, event.button == SPICE_MOUSE_BUTTON_UP ? -1 : 1, event.buttons_state);
        } else {
            m_sink->pointer_motion(0, 0, 0, event.buttons_state);
        }
        return {};
    }
    default:
        LOG_DEBUG("spice", "inputs channel: message type %u ignored", type);
        return {};
    }
}

} // namespace spicebox
