// The JPEG wrapper around libjpeg-turbo: any input either fails or gives a consistent 32-bit bitmap,
// with libjpeg's errors and warnings turned into failures rather than exits or output.
#include "spice-common/jpeg_codec.h"

using namespace spicebox;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    auto bitmap = decode_jpeg({ data, size });
    if (bitmap && (bitmap->format != BitmapFormat::Xrgb8888 || bitmap->stride != bitmap->width * 4
            || bitmap->pixels.size() != size_t(bitmap->stride) * bitmap->height))
        __builtin_trap();
    return 0;
}
