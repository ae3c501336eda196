// The client's main, cursor and inputs channels: server messages (MAIN_INIT, CHANNELS_LIST, mouse
// modes, NAME/UUID, MULTI_MEDIA_TIME, cursor shapes and their cache, motion acks) interleaved with the
// user's mouse and mode requests, through ClientMain, ClientCursor and ClientInputs as the session
// wires them. Channels the server lists are "opened" as a session would: the inputs channel attached.
// Input: see ClientChannelsOp.
#include "base/log.h"
#include "spice-client-sdl/client_cursor.h"
#include "spice-client-sdl/client_display.h"
#include "spice-client-sdl/client_inputs.h"
#include "spice-client-sdl/client_main.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_programs.h"
#include "tests/fuzz/server_stream.h"

#include <spice/enums.h>
#include <spice/protocol.h>

using namespace spicebox;
using namespace spicebox::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    set_log_level(LogLevel::Error);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzInput input(data, size);
    bool mini_header = input.u8() & ServerMiniHeader;
    ChannelConnection main_channel(-1, SPICE_CHANNEL_MAIN, mini_header);
    ChannelConnection cursor_channel(-1, SPICE_CHANNEL_CURSOR, mini_header);
    ChannelConnection inputs_channel(-1, SPICE_CHANNEL_INPUTS, mini_header);
    ClientDisplay display;
    ClientCursor cursor;
    ClientInputs inputs;
    ClientMain main(main_channel, display, [&](uint8_t type, uint8_t id) -> Result<void> {
        if (type == SPICE_CHANNEL_INPUTS && id == 0)
            inputs.attach(&inputs_channel);
        return {};
    });
    auto handled = [](auto& state) { return [&state](const ChannelMessage& message) { return state.handle(message).ok(); }; };
    while (!input.at_end()) {
        bool alive = true;
        switch (ClientChannelsOp(input.u8() % uint8_t(ClientChannelsOp::Count))) {
        case ClientChannelsOp::ArriveMain:
            alive = arrive(main_channel, input.bytes(input.u32()), handled(main));
            break;
        case ClientChannelsOp::ArriveCursor:
            alive = arrive(cursor_channel, input.bytes(input.u32()), handled(cursor));
            break;
        case ClientChannelsOp::ArriveInputs:
            alive = arrive(inputs_channel, input.bytes(input.u32()), handled(inputs));
            break;
        case ClientChannelsOp::Motion: {
            auto dx = int16_t(input.u16());
            inputs.send_motion(dx, int16_t(input.u16()), 0);
            break;
        }
        case ClientChannelsOp::Position: {
            auto x = input.u16();
            inputs.send_position(x, input.u16(), 0);
            break;
        }
        case ClientChannelsOp::MouseMode:
            main.request_mouse_mode(input.u8() & 1);
            break;
        case ClientChannelsOp::Count:
            break;
        }
        if (!alive)
            break;
        if (inputs.unacknowledged_motion() > 2 * SPICE_INPUT_MOTION_ACK_BUNCH)
            __builtin_trap();
        const auto& shape = cursor.cursor().image;
        if (shape.pixels.size() != size_t(shape.width) * shape.height)
            __builtin_trap();
    }
    return 0;
}
