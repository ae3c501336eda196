// The inputs channel on the client: keys as PC set-1 scancodes (0xE0-prefixed keys packed into the
// 32-bit code as SPICE wants them), relative motion and absolute positions with the server's motion
// acknowledgements (no more than 2 x SPICE_INPUT_MOTION_ACK_BUNCH unacknowledged; motion beyond that
// is merged and sent when an ack comes), and buttons.
#pragma once

#include "spice-client-sdl/channel_connection.h"

#include <cstdint>
#include <optional>

namespace spicebox {

class ClientInputs {
public:
    // The channel once it is linked; input before that is dropped.
    void attach(ChannelConnection* channel) { m_channel = channel; }
    Result<void> handle(const ChannelMessage&);

    void send_key(uint32_t pc_scancode, bool down);
    void send_motion(int32_t dx, int32_t dy, uint32_t buttons_state);
    void send_position(int32_t x, int32_t y, uint32_t buttons_state);
    void send_button(uint8_t spice_button, bool down, uint32_t buttons_state);

    // The KEY_DOWN / KEY_UP code for a set-1 scancode (0xE0xx for extended keys).
    static uint32_t wire_scancode(uint32_t pc_scancode, bool down);
    uint32_t unacknowledged_motion() const { return m_unacknowledged; }

private:
    bool motion_allowed() const;
    void send_pending();

    ChannelConnection* m_channel { nullptr };
    uint32_t m_unacknowledged { 0 };
    int32_t m_pending_dx { 0 };
    int32_t m_pending_dy { 0 };
    bool m_motion_pending { false };
    struct Position {
        int32_t x { 0 };
        int32_t y { 0 };
    };
    std::optional<Position> m_pending_position;
    uint32_t m_buttons_state { 0 };
};

} // namespace spicebox
