// The main channel's client messages (attach, mouse mode, agent start/data/token, pong, ...).
#include "spice-server/main_channel.h"
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
    // Client mode available, so mode requests switch modes.
    MouseMode mouse_mode([](uint16_t, uint16_t) { });
    mouse_mode.set_client_available(true);
    run_channel(data, size, SPICE_CHANNEL_MAIN, [&](std::unique_ptr<SocketStream> stream, LinkRequest link) {
        std::vector<ChannelAddress> channels { { SPICE_CHANNEL_DISPLAY, 0 }, { SPICE_CHANNEL_INPUTS, 0 }, { SPICE_CHANNEL_CURSOR, 0 } };
        return std::make_unique<MainChannelClient>(std::move(stream), std::move(link), 0x01234567, std::move(channels),
            std::chrono::steady_clock::now(), mouse_mode);
    });
    return 0;
}
