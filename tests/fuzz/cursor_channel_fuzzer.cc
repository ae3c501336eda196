// The cursor channel's client messages (only the common ones are defined; anything else is handled as
// the channel decides).
#include "spice-server/cursor_channel.h"
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
    run_channel(data, size, SPICE_CHANNEL_CURSOR, [](std::unique_ptr<SocketStream> stream, LinkRequest link) {
        return std::make_unique<CursorChannelClient>(std::move(stream), std::move(link));
    });
    return 0;
}
