// The display channel's client messages (INIT, acks, pongs, ...) while the screen changes under it.
#include "spice-server/display_channel.h"
#include "tests/fuzz/channel_fuzzing.h"

using namespace spicebox;
using namespace spicebox::fuzz;

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    set_log_level(LogLevel::Error);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    DisplayState state;
    state.screen.resize(64, 48);
    run_channel(
        data, size, SPICE_CHANNEL_DISPLAY,
        [&](std::unique_ptr<SocketStream> stream, LinkRequest link) {
            return std::make_unique<DisplayChannelClient>(std::move(stream), std::move(link), state);
        },
        [&](ChannelClient& client) {
            auto& display = static_cast<DisplayChannelClient&>(client);
            Rect changed { 3, 5, 40, 30 };
            display.screen_updated({ &changed, 1 });
            state.screen.resize(32, 16);
            display.screen_resized();
        });
    return 0;
}
