// Builds QXL commands in command memory and pushes them: what the Linux and Xorg drivers emit
// (solid fills, copies from bitmaps and from other surfaces, copy_bits, surface create/destroy,
// cursor set/move/hide). Every command gets a release id (Releases); when the heap or the id table
// runs out, the painter collects the release ring, then kicks NOTIFY_OOM and waits for the device
// to hand memory back, as Linux's fence wait and Xorg's allocator do.
#pragma once

#include "qxl/qxl_card.h"
#include "qxl/qxl_heap.h"
#include "qxl/qxl_releases.h"

#include <stdint.h>

namespace spicebox::guest::qxl {

constexpr QXLRect rect(int32_t left, int32_t top, int32_t right, int32_t bottom)
{
    QXLRect result {};
    result.top = top;
    result.left = left;
    result.bottom = bottom;
    result.right = right;
    return result;
}

// Pixels for a copy: `height` rows of `stride` bytes, row 0 at `pixels`.
struct Bitmap {
    const void* pixels { nullptr };
    uint32_t width { 0 };
    uint32_t height { 0 };
    uint32_t stride { 0 };
    uint8_t format { SPICE_BITMAP_FMT_32BIT };
    // How rows are laid out in command memory: TOP_DOWN (both drivers) or bottom row first.
    bool top_down { true };
    // Split the data into chunks of whole rows of at most this many bytes (Xorg); 0: one chunk.
    uint32_t max_chunk_bytes { 0 };
};

struct Clip {
    const QXLRect* rects { nullptr };
    unsigned count { 0 };
};

class Painter {
public:
    Painter(Card& card, Heap& heap, Releases& releases) : m_card(card), m_heap(heap), m_releases(releases) { }

    bool fill(uint32_t surface, const QXLRect& area, uint32_t colour, Clip = {});
    // Copies `source_area` of the bitmap to `destination` (the same size) on `surface`.
    bool copy(uint32_t surface, const QXLRect& destination, const Bitmap&, const QXLRect& source_area, Clip = {});
    bool copy_surface(uint32_t surface, const QXLRect& destination, uint32_t source_surface, const QXLRect& source_area);
    // Moves the `destination`-sized area whose top-left is (source_x, source_y) to `destination`.
    bool copy_bits(uint32_t surface, const QXLRect& destination, int32_t source_x, int32_t source_y);
    bool create_surface(uint32_t id, uint32_t width, uint32_t height, int32_t stride, uint32_t format, QXLPHYSICAL data);
    bool destroy_surface(uint32_t id);
    // An ALPHA cursor from `argb` (width x height, row-major); (x, y) is where its hot spot goes.
    bool cursor_set(int16_t x, int16_t y, const uint32_t* argb, uint16_t width, uint16_t height, uint16_t hot_x, uint16_t hot_y);
    bool cursor_move(int16_t x, int16_t y);
    bool cursor_hide();

    // Heap memory, reclaiming through the release ring and NOTIFY_OOM when it runs out.
    void* allocate(uint64_t size);
    // Collects the release ring now; returns the ids released.
    unsigned collect();

private:
    QXLDrawable* begin_drawable(uint32_t surface, uint8_t type, const QXLRect& bbox, Clip);
    bool begin(void* command, CommandKind);
    // A zeroed command of type T from the heap with a release id of `kind`; null when either ran out.
    template<typename T>
    T* start_command(CommandKind kind)
    {
        auto* command = static_cast<T*>(allocate(sizeof(T)));
        if (!command)
            return nullptr;
        *command = T {};
        return begin(command, kind) ? command : nullptr;
    }
    bool submit(Ring, void* command, uint32_t type);
    bool reclaim();
    QXLPHYSICAL write_image(void* command, const Bitmap&);

    Card& m_card;
    Heap& m_heap;
    Releases& m_releases;
};

}
