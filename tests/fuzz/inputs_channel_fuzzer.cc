// The inputs channel's client messages (keys, scancodes, motion, buttons, modifiers) into an input sink.
#include "spice-server/inputs_channel.h"
#include "tests/fuzz/channel_fuzzing.h"

using namespace spicebox;
using namespace spicebox::fuzz;

namespace {

class CountingSink final : public InputSink {
public:
    void key_down(uint16_t) override { ++events; }
    void key_up(uint16_t) override { ++events; }
    void pointer_motion(int32_t, int32_t, int32_t, uint32_t) override { ++events; }
    void pointer_position(uint32_t, uint32_t, int32_t, uint32_t) override { ++events; }
    bool absolute_pointer() const override { return true; }
    void watch_absolute_pointer(std::function<void()>) override { }
    uint64_t events { 0 };
};

}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    set_log_level(LogLevel::Error);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    CountingSink sink;
    // Client mouse mode, so positions reach the sink too.
    MouseMode mouse_mode([](uint16_t, uint16_t) { });
    mouse_mode.set_client_available(true);
    mouse_mode.request(SPICE_MOUSE_MODE_CLIENT);
    run_channel(data, size, SPICE_CHANNEL_INPUTS, [&](std::unique_ptr<SocketStream> stream, LinkRequest link) {
        return std::make_unique<InputsChannelClient>(std::move(stream), std::move(link), &sink, mouse_mode,
            [] { return std::pair<uint32_t, uint32_t>(1024, 768); });
    });
    return 0;
}
