// The LZ decoder. Input: u8 palette entry count, that many u32 entries, then the LZ payload.
#include "spice-common/lz_decoder.h"
#include "tests/fuzz/fuzz_input.h"

#include <vector>

using namespace spicebox;
using namespace spicebox::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzInput input(data, size);
    std::vector<uint32_t> palette(input.u8());
    for (auto& entry : palette)
        entry = input.u32();
    auto bitmap = decode_lz(input.rest(), palette);
    if (!bitmap)
        return 0;
    size_t row_bytes = (size_t(bitmap->width) * bits_per_pixel(bitmap->format) + 7) / 8;
    if (bitmap->stride != row_bytes || bitmap->pixels.size() != row_bytes * bitmap->height)
        __builtin_trap();
    if (has_palette(bitmap->format) != !bitmap->palette.empty())
        __builtin_trap();
    return 0;
}
