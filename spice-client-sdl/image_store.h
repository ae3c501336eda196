// The client's side of SPICE images: a SpiceImage from a display message turned into the display
// model's Image, through the raw bitmap reader or the image codecs, with the caches the server
// drives: the pixmap cache (CACHE_ME / FROM_CACHE, INVAL_LIST, INVAL_ALL_PIXMAPS), the palette cache
// and the GLZ dictionary. The server does the cache accounting against the sizes we announced in
// DISPLAY_INIT; a server that overruns them by far, or names an image we do not have, is an error.
#pragma once

#include "spice-common/draw_demarshaller.h"
#include "spice-common/glz_decoder.h"

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace spicebox {

class ImageStore : public ImageResolver {
public:
    // Sizes in pixels, as DISPLAY_INIT gives them.
    ImageStore(uint64_t pixmap_cache_pixels, uint32_t glz_window_pixels);

    Result<Image> resolve_image(std::span<const uint8_t> body, uint32_t offset) override;

    void invalidate_pixmap(uint64_t id);
    void invalidate_all_pixmaps();
    void invalidate_palette(uint64_t id);
    void invalidate_all_palettes();
    size_t cached_pixmaps() const { return m_pixmaps.size(); }
    size_t cached_palettes() const { return m_palettes.size(); }

private:
    Result<Bitmap> read_bitmap(WireReader&, std::span<const uint8_t> body);
    Result<std::vector<uint32_t>> read_palette(WireReader&, std::span<const uint8_t> body, uint8_t flags, bool required);
    Result<Bitmap> read_jpeg_alpha(WireReader&);
    Result<void> cache_pixmap(uint64_t id, const Bitmap&);

    uint64_t m_pixmap_cache_limit;
    uint64_t m_pixmap_pixels { 0 };
    std::unordered_map<uint64_t, Bitmap> m_pixmaps;
    std::unordered_map<uint64_t, std::vector<uint32_t>> m_palettes;
    GlzDictionary m_glz;
};

} // namespace spicebox
