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
    run_channel(data, size, SPICE_CHANNEL_INPUTS, [&](std::unique_ptr<SocketStream> stream, LinkRequest link) {
        return std::make_unique<InputsChannelClient>(std::move(stream), std::move(link), &sink);
    });
    return 0;
}
