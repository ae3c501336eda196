// The inputs channel of one client: keys (set-1 scancodes, 0xE0-prefixed keys packed in the code's
// bytes), and the mouse: relative motion in server mouse mode, positions over the primary surface
// (scaled to the sink's absolute range) in client mouse mode, buttons and wheel in either, handed to the
// guest's devices through an InputSink; a MOUSE_MOTION_ACK after every SPICE_INPUT_MOTION_ACK_BUNCH
// motion or position messages, or the client stops sending.
#pragma once

#include "spice-server/channel_client.h"
#include "spice-server/input_sink.h"
#include "spice-server/mouse_mode.h"

#include <functional>
#include <utility>

namespace spicebox {

// spice-server's inputs channel receive limit.
constexpr size_t kInputsMaxMessageBytes = 2048;

// A KEY_DOWN/KEY_UP code as the sink takes it: 0x00XX for a plain key, 0xE0XX for an extended one, the
// break bit cleared; nullopt for what the sink cannot take (0, or the E1 Pause sequence).
std::optional<uint16_t> scancode_from_key_code(uint32_t code);

// A client-mode coordinate (a pixel of a `size`-pixel wide or high surface) on the sink's absolute axis:
// 0 is the first pixel, absolute_pointer_max the last; beyond the surface is clamped to it.
uint32_t absolute_coordinate(uint32_t pixel, uint32_t size);

// The primary surface's width and height, over which client-mode positions are given (0x0: none).
using ScreenSize = std::function<std::pair<uint32_t, uint32_t>()>;

class InputsChannelClient final : public ChannelClient {
public:
    // `sink` may be null (a machine without input devices): input is then read and dropped.
    InputsChannelClient(std::unique_ptr<SocketStream>, LinkRequest, InputSink*, const MouseMode&, ScreenSize);

    Result<void> start() override;

private:
    Result<void> handle_message(uint16_t type, std::span<const uint8_t> body) override;
    void count_motion();
    void position(const MousePosition&);
    void buttons(uint32_t buttons, int32_t wheel);

    InputSink* m_sink;
    const MouseMode& m_mouse_mode;
    ScreenSize m_screen_size;
    // The last absolute position sent: client-mode button and wheel events happen there.
    uint32_t m_absolute_x { 0 };
    uint32_t m_absolute_y { 0 };
    uint32_t m_motions { 0 };
};

} // namespace spicebox
