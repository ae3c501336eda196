// The client's display channel: server messages (surfaces, every DRAW_*, images in every codec through
// the image store and its caches, streams, invalidations, RESET) handled by ClientDisplay with a fake
// clock that the input moves, so MJPEG frames wait for the server's time, come due and are drawn.
// Input: see ClientDisplayOp. After every step the screen is refreshed as the session does.
#include "base/log.h"
#include "spice-client-sdl/client_display.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_programs.h"
#include "tests/fuzz/server_stream.h"

#include <spice/enums.h>

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
    auto now = std::chrono::steady_clock::time_point {};
    ClientDisplay display([&] { return now; });
    ChannelConnection channel(-1, SPICE_CHANNEL_DISPLAY, mini_header);
    while (!input.at_end()) {
        bool alive = true;
        switch (ClientDisplayOp(input.u8() % uint8_t(ClientDisplayOp::Count))) {
        case ClientDisplayOp::Arrive:
            alive = arrive(channel, input.bytes(input.u32()), [&](const ChannelMessage& message) { return display.handle(message).ok(); });
            break;
        case ClientDisplayOp::Wait:
            now += std::chrono::milliseconds(input.u16());
            alive = display.present_due_frames().ok();
            break;
        case ClientDisplayOp::MediaTime:
            display.set_multi_media_time(input.u32());
            break;
        case ClientDisplayOp::Count:
            break;
        }
        if (!alive)
            break;
        display.refresh_screen();
        if (display.pending_frames() > ClientDisplay::kMaxPendingFrames)
            __builtin_trap();
        if (auto due = display.next_frame_due(); due && *due > now + ClientDisplay::kMaxFrameWait)
            __builtin_trap();
    }
    return 0;
}
