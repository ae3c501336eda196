// SPICE_IMAGE_TYPE_GLZ_RGB and ZLIB_GLZ_RGB payloads: global LZ, where back-references may point
// into earlier images of the same client session, kept in a dictionary shared by every display
// channel of that session (spice-server's glz_dictionary_id / window size in DISPLAY_INIT).
#pragma once

#include "base/result.h"
#include "spice-common/display_model.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace spicebox {

class GlzDictionary {
public:
    // Keeps at most `window_size_bytes` of decoded pixels (4 bytes each): past that the oldest images
    // go first. A server drops images from its own window sooner, and says so in each image's header,
    // so in a session that follows the protocol this cap only bounds a hostile one. DISPLAY_INIT's
    // glz_dictionary_window_size counts pixels: give at least 4 bytes for each (spice-gtk announces a
    // quarter of its byte window), with slack for images the server has not released yet, e.g. twice.
    explicit GlzDictionary(size_t window_size_bytes);

    struct Entry {
        uint64_t id { 0 };
        uint32_t win_head_dist { 0 }; // the oldest image the server still refers to is id - win_head_dist
        std::vector<uint32_t> pixels; // decoded xRGB/ARGB pixels in stream row order
    };

    // The image with that id, or null when it is not (or no longer) in the dictionary.
    const Entry* find(uint64_t id) const;
    // Adds a decoded image and drops the images no later image can refer to: those before the window
    // head of the newest image received with no gap in the ids before it (images of different display
    // channels may arrive out of order).
    void add(Entry);
    void clear();
    size_t size_bytes() const { return m_size_bytes; }
    size_t image_count() const { return m_entries.size(); }

private:
    void drop(std::map<uint64_t, Entry>::iterator);

    size_t m_window_size_bytes;
    size_t m_size_bytes { 0 };
    std::map<uint64_t, Entry> m_entries;
    // The id after the longest run of consecutive ids received, so releasing waits for late images.
    std::optional<uint64_t> m_contiguous_end;
};

// Decodes into an Xrgb8888 bitmap (Argb8888 for GLZ RGBA) and adds the image to the dictionary. GLZ
// carries RGB16, RGB24, RGB32 and RGBA images; palettised GLZ types (which a server never sends, as
// spice-server only uses GLZ for RGB bitmaps) fail.
Result<Bitmap> decode_glz(std::span<const uint8_t> payload, GlzDictionary&);
// A SpiceZlibGlzRGBData payload: glz_data_size (32-bit), data_size (32-bit), then `data_size`
// bytes of zlib stream that inflate to exactly glz_data_size bytes of GLZ payload.
Result<Bitmap> decode_zlib_glz(std::span<const uint8_t> payload, GlzDictionary&);

} // namespace spicebox
