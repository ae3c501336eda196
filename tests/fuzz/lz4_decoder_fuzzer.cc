// The LZ4 image decoder. Input: u16 width, u16 height, then the SpiceLZ4Data payload. A payload that
// decodes must give exactly width x height pixels of its format and survive a re-encode round trip.
#include "spice-common/lz4_codec.h"
#include "tests/fuzz/fuzz_input.h"

using namespace spicebox;
using namespace spicebox::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzInput input(data, size);
    uint32_t width = input.u16();
    uint32_t height = input.u16();
    auto bitmap = decode_lz4_image(input.rest(), width, height);
    if (!bitmap)
        return 0;
    if (bitmap->width != width || bitmap->height != height || bitmap->pixels.size() != size_t(bitmap->stride) * height)
        __builtin_trap();
    auto encoded = encode_lz4_image(*bitmap);
    if (!encoded)
        __builtin_trap();
    auto again = decode_lz4_image(*encoded, width, height);
    if (!again || again->pixels != bitmap->pixels || again->format != bitmap->format)
        __builtin_trap();
    return 0;
}
