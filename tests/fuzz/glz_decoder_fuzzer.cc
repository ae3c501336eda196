// The GLZ decoder with its dictionary. Input: a u32 dictionary window in bytes, then images, each a
// u8 kind (even: GLZ, odd: ZLIB_GLZ), a u16 length and that many payload bytes, all decoded into the
// same dictionary, so later images can refer to earlier ones (and to ones that were dropped).
#include "spice-common/glz_decoder.h"
#include "tests/fuzz/fuzz_input.h"

using namespace spicebox;
using namespace spicebox::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzInput input(data, size);
    size_t window = input.u32() % (1u << 24);
    GlzDictionary dictionary(window);
    while (!input.at_end()) {
        bool zlib = input.u8() & 1;
        auto payload = input.bytes(input.u16());
        auto bitmap = zlib ? decode_zlib_glz(payload, dictionary) : decode_glz(payload, dictionary);
        if (bitmap && (bitmap->stride != bitmap->width * 4 || bitmap->pixels.size() != size_t(bitmap->stride) * bitmap->height))
            __builtin_trap();
        if (dictionary.size_bytes() > window && dictionary.image_count() > 1)
            __builtin_trap();
    }
    return 0;
}
