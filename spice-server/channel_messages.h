// The bodies of the main, inputs and cursor channel messages and of the messages every channel shares
// (spice.proto's BaseChannel): marshalling of what the server sends, parsing of what clients send. A
// parser checks the body holds the fields it reads and ignores bytes after them, as spice-server's
// generated demarshallers do.
#pragma once

#include "base/result.h"
#include "spice-common/wire_writer.h"

#include <cstdint>
#include <span>

namespace spicebox {

struct ChannelAddress {
    uint8_t type;
    uint8_t id;
};

// Server -> client.
struct MainInit {
    uint32_t session_id;
    uint32_t display_channels_hint;
    uint32_t supported_mouse_modes;
    uint32_t current_mouse_mode;
    uint32_t agent_connected;
    uint32_t agent_tokens;
    uint32_t multi_media_time;
    uint32_t ram_hint;
};
void marshal_set_ack(WireWriter&, uint32_t generation, uint32_t window);
void marshal_ping(WireWriter&, uint32_t id, uint64_t timestamp);
void marshal_main_init(WireWriter&, const MainInit&);
void marshal_channels_list(WireWriter&, std::span<const ChannelAddress>);
void marshal_mouse_mode(WireWriter&, uint16_t supported_modes, uint16_t current_mode);
void marshal_agent_token(WireWriter&, uint32_t tokens);
void marshal_inputs_init(WireWriter&, uint16_t keyboard_modifiers);

// Client -> server.
struct Pong {
    uint32_t id;
    uint64_t timestamp;
};
struct MouseMotion {
    int32_t dx;
    int32_t dy;
    uint16_t buttons_state;
};
struct MousePosition {
    uint32_t x;
    uint32_t y;
    uint16_t buttons_state;
    uint8_t display_id;
};
struct MouseButtonEvent {
    uint8_t button;
    uint16_t buttons_state;
};
Result<uint32_t> parse_u32_body(std::span<const uint8_t> body, const char* what);
Result<uint16_t> parse_u16_body(std::span<const uint8_t> body, const char* what);
Result<Pong> parse_pong(std::span<const uint8_t> body);
Result<MouseMotion> parse_mouse_motion(std::span<const uint8_t> body);
Result<MousePosition> parse_mouse_position(std::span<const uint8_t> body);
Result<MouseButtonEvent> parse_mouse_button(std::span<const uint8_t> body);

} // namespace spicebox
