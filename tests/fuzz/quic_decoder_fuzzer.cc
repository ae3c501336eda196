// The QUIC decoder: the input is the SpiceQUICData payload.
#include "spice-common/quic_decoder.h"

using namespace spicebox;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto bitmap = decode_quic({ data, size });
    if (bitmap && (bitmap->stride != bitmap->width * 4 || bitmap->pixels.size() != size_t(bitmap->stride) * bitmap->height))
        __builtin_trap();
    return 0;
}
