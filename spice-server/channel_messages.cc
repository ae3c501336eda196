#include "spice-server/channel_messages.h"

#include "spice-common/wire_reader.h"

#include <spice/enums.h>

namespace spicebox {

void marshal_set_ack(WireWriter& writer, uint32_t generation, uint32_t window)
{
    writer.put_u32(generation);
    writer.put_u32(window);
}

void marshal_ping(WireWriter& writer, uint32_t id, uint64_t timestamp)
{
    writer.put_u32(id);
    writer.put_u64(timestamp);
}

void marshal_main_init(WireWriter& writer, const MainInit& init)
{
    writer.put_u32(init.session_id);
    writer.put_u32(init.display_channels_hint);
    writer.put_u32(init.supported_mouse_modes);
    writer.put_u32(init.current_mouse_mode);
    writer.put_u32(init.agent_connected);
    writer.put_u32(init.agent_tokens);
    writer.put_u32(init.multi_media_time);
    writer.put_u32(init.ram_hint);
}

void marshal_channels_list(WireWriter& writer, std::span<const ChannelAddress> channels)
{
    writer.put_u32(uint32_t(channels.size()));
    for (auto& channel : channels) {
        writer.put_u8(channel.type);
        writer.put_u8(channel.id);
    }
}

void marshal_mouse_mode(WireWriter& writer, uint16_t supported_modes, uint16_t current_mode)
{
    writer.put_u16(supported_modes);
    writer.put_u16(current_mode);
}

void marshal_agent_token(WireWriter& writer, uint32_t tokens) { writer.put_u32(tokens); }

void marshal_inputs_init(WireWriter& writer, uint16_t keyboard_modifiers) { writer.put_u16(keyboard_modifiers); }

Result<uint32_t> parse_u32_body(std::span<const uint8_t> body, const char* what)
{
    WireReader reader(body);
    return reader.read<uint32_t>(what);
}

Result<uint16_t> parse_u16_body(std::span<const uint8_t> body, const char* what)
{
    WireReader reader(body);
    return reader.read<uint16_t>(what);
}

Result<Pong> parse_pong(std::span<const uint8_t> body)
{
    WireReader reader(body);
    Pong pong {};
    pong.id = TRY(reader.read<uint32_t>("PONG"));
    pong.timestamp = TRY(reader.read<uint64_t>("PONG"));
    return pong;
}

Result<MouseMotion> parse_mouse_motion(std::span<const uint8_t> body)
{
    WireReader reader(body);
    MouseMotion motion {};
    motion.dx = TRY(reader.read<int32_t>("MOUSE_MOTION"));
    motion.dy = TRY(reader.read<int32_t>("MOUSE_MOTION"));
    motion.buttons_state = TRY(reader.read<uint16_t>("MOUSE_MOTION"));
    return motion;
}

Result<MousePosition> parse_mouse_position(std::span<const uint8_t> body)
{
    WireReader reader(body);
    MousePosition position {};
    position.x = TRY(reader.read<uint32_t>("MOUSE_POSITION"));
    position.y = TRY(reader.read<uint32_t>("MOUSE_POSITION"));
    position.buttons_state = TRY(reader.read<uint16_t>("MOUSE_POSITION"));
    position.display_id = TRY(reader.read<uint8_t>("MOUSE_POSITION"));
    return position;
}

Result<MouseButtonEvent> parse_mouse_button(std::span<const uint8_t> body)
{
    WireReader reader(body);
    MouseButtonEvent event {};
    event.button = TRY(reader.read<uint8_t>("a mouse button message"));
    event.buttons_state = TRY(reader.read<uint16_t>("a mouse button message"));
    return event;
}

} // namespace spicebox
