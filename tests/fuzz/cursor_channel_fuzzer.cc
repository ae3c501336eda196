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
    // A cursor with a shape, so the INIT carries one.
    CursorState cursor;
    cursor.visible = true;
    cursor.shape = std::make_shared<const CursorShape>(CursorShape { .unique = 7, .type = CursorType::Alpha, .width = 2, .height = 2,
        .hot_spot_x = 0, .hot_spot_y = 0, .data = std::vector<uint8_t>(16, 0xFF) });
    MouseMode mouse_mode([](uint16_t, uint16_t) { });
    run_channel(data, size, SPICE_CHANNEL_CURSOR, [&](std::unique_ptr<SocketStream> stream, LinkRequest link) {
        return std::make_unique<CursorChannelClient>(std::move(stream), std::move(link), cursor, mouse_mode);
    });
    return 0;
}
