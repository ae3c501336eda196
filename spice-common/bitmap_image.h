// A display-model Bitmap seen as a pixman image, so that pixman does every format conversion:
// palettised bitmaps become pixman's indexed formats (c8, c4, g1) with the bitmap's palette, the
// others map to the pixman format with the same memory layout. Rows are used in place when pixman
// can read them as they are, otherwise repacked once (pixman wants 4-byte aligned rows, and its
// sub-byte formats are least-significant-first, so the *_BE formats are reordered).
#pragma once

#include "base/result.h"
#include "spice-common/display_model.h"
#include "spice-common/pixman_handles.h"

#include <memory>
#include <vector>

namespace spicebox {

// pixman's 16.16 fixed-point coordinates cap image sizes and positions well below this.
constexpr uint32_t max_raster_dimension = 16384;

class BitmapImage {
public:
    // Fails (with the reason) on a bitmap whose size, stride, pixel bytes or palette do not agree.
    static Result<BitmapImage> create(const Bitmap&);
    // A 1-bit bitmap as pixman's a1 format: a set bit is an opaque pixel. Used for masks, whose
    // palette does not matter.
    static Result<BitmapImage> create_mask(const Bitmap&);

    pixman_image_t* get() const { return m_image.get(); }

private:
    BitmapImage() = default;
    static Result<BitmapImage> wrap(const Bitmap&, pixman_format_code_t);

    // Declared before m_image so that the pixels outlive the image that points at them.
    std::vector<uint32_t> m_pixels;
    std::unique_ptr<pixman_indexed_t> m_palette;
    PixmanImage m_image;
};

} // namespace spicebox
