// The inputs channel of one client: keys (set-1 scancodes, 0xE0-prefixed keys packed in the code's
// bytes) and relative mouse motion and buttons, handed to the guest's devices through an InputSink; a
// MOUSE_MOTION_ACK after every SPICE_INPUT_MOTION_ACK_BUNCH motion messages, or the client stops sending.
#pragma once

#include "spice-server/channel_client.h"
#include "spice-server/input_sink.h"

namespace spicebox {

// spice-server's inputs channel receive limit.
constexpr size_t kInputsMaxMessageBytes = 2048;

// A KEY_DOWN/KEY_UP code as the sink takes it: 0x00XX for a plain key, 0xE0XX for an extended one, the
// break bit cleared; nullopt for what the sink cannot take (0, or the E1 Pause sequence).
std::optional<uint16_t> scancode_from_key_code(uint32_t code);

class InputsChannelClient final : public ChannelClient {
public:
    // `sink` may be null (a machine without input devices): input is then read and dropped.
    InputsChannelClient(std::unique_ptr<SocketStream>, LinkRequest, InputSink*);

    Result<void> start() override;

private:
    Result<void> handle_message(uint16_t type, std::span<const uint8_t> body) override;
    void count_motion();

    InputSink* m_sink;
    uint32_t m_motions { 0 };
};

} // namespace spicebox
