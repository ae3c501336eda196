#include "qxl/qxl_painter.h"

#include "qxl/apic.h"
#include "runtime/runtime.h"

namespace spicebox::guest::qxl {

namespace {

constexpr int32_t no_surface = -1;
// How long an allocation waits for the device to return memory before giving up.
constexpr uint64_t reclaim_timeout_us = Card::default_timeout_us;
constexpr uint64_t reclaim_wait_us = 20000;

}

unsigned Painter::collect() { return m_card.collect_releases(Releases::release, &m_releases); }

bool Painter::reclaim()
{
    if (collect() > 0)
        return true;
    if (m_card.error())
        return false;
    // Nothing came back on its own: the device batches releases, so ask it to flush them.
    m_card.notify_oom();
    if (collect() > 0)
        return true;
    if (m_card.interrupts_enabled())
        m_card.wait_events(QXL_INTERRUPT_DISPLAY, reclaim_wait_us);
    return collect() > 0;
}

void* Painter::allocate(uint64_t size)
{
    apic::Deadline deadline(reclaim_timeout_us);
    for (;;) {
        if (void* block = m_heap.allocate(size))
            return block;
        if (!reclaim() && (m_card.error() || deadline.passed())) {
            printf("qxl: out of command memory for %lu bytes (%lu free, %u commands outstanding)\n", size, m_heap.free_bytes(),
                m_releases.outstanding());
            return nullptr;
        }
    }
}

bool Painter::begin(void* command, CommandKind kind)
{
    apic::Deadline deadline(reclaim_timeout_us);
    while (!m_releases.begin(command, kind)) {
        if (!reclaim() && (m_card.error() || deadline.passed())) {
            print("qxl: no free release id\n");
            m_heap.free(command);
            return false;
        }
    }
    return true;
}

bool Painter::submit(Ring ring, void* command, uint32_t type)
{
    if (m_card.push(ring, m_heap.physical(command), type))
        return true;
    m_releases.abandon(command);
    return false;
}

QXLDrawable* Painter::begin_drawable(uint32_t surface, uint8_t type, const QXLRect& bbox, Clip clip)
{
    auto* drawable = start_command<QXLDrawable>(CommandKind::Drawable);
    if (!drawable)
        return nullptr;
    drawable->surface_id = surface;
    drawable->effect = QXL_EFFECT_OPAQUE;
    drawable->type = type;
    drawable->bbox = bbox;
    drawable->mm_time = m_card.rom().mm_clock;
    for (unsigned i = 0; i < sizeof drawable->surfaces_dest / sizeof drawable->surfaces_dest[0]; ++i)
        drawable->surfaces_dest[i] = no_surface;
    drawable->clip.type = SPICE_CLIP_TYPE_NONE;
    if (clip.count == 0)
        return drawable;

    uint64_t bytes = uint64_t(clip.count) * sizeof(QXLRect);
    auto* rects = static_cast<QXLClipRects*>(allocate(sizeof(QXLClipRects) + bytes));
    if (!rects) {
        m_releases.abandon(drawable);
        return nullptr;
    }
    rects->num_rects = clip.count;
    rects->chunk.data_size = uint32_t(bytes);
    rects->chunk.prev_chunk = 0;
    rects->chunk.next_chunk = 0;
    memcpy(rects->chunk.data, clip.rects, bytes);
    m_releases.attach(drawable, rects);
    drawable->clip.type = SPICE_CLIP_TYPE_RECTS;
    drawable->clip.data = m_heap.physical(rects);
    return drawable;
}

bool Painter::fill(uint32_t surface, const QXLRect& area, uint32_t colour, Clip clip)
{
    QXLDrawable* drawable = begin_drawable(surface, QXL_DRAW_FILL, area, clip);
    if (!drawable)
        return false;
    drawable->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
    drawable->u.fill.brush.u.color = colour;
    drawable->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
    return submit(Ring::Command, drawable, QXL_CMD_DRAW);
}

QXLPHYSICAL Painter::write_image(void* command, const Bitmap& bitmap)
{
    uint32_t row_bytes = bitmap.stride;
    uint32_t rows_per_chunk = bitmap.height;
    if (bitmap.max_chunk_bytes != 0) {
        rows_per_chunk = bitmap.max_chunk_bytes / row_bytes;
        if (rows_per_chunk == 0)
            rows_per_chunk = 1;
    }
    auto* image = static_cast<QXLImage*>(allocate(sizeof(QXLImage)));
    if (!image)
        return 0;
    m_releases.attach(command, image);
    *image = QXLImage {};
    image->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
    image->descriptor.width = bitmap.width;
    image->descriptor.height = bitmap.height;
    image->bitmap.format = bitmap.format;
    image->bitmap.flags = bitmap.top_down ? QXL_BITMAP_TOP_DOWN : 0;
    image->bitmap.x = bitmap.width;
    image->bitmap.y = bitmap.height;
    image->bitmap.stride = bitmap.stride;

    // Chunks of whole rows in memory order; bottom-up bitmaps store the last row first.
    QXLDataChunk* previous = nullptr;
    for (uint32_t row = 0; row < bitmap.height; row += rows_per_chunk) {
        uint32_t rows = bitmap.height - row < rows_per_chunk ? bitmap.height - row : rows_per_chunk;
        uint64_t bytes = uint64_t(rows) * row_bytes;
        auto* chunk = static_cast<QXLDataChunk*>(allocate(sizeof(QXLDataChunk) + bytes));
        if (!chunk)
            return 0;
        m_releases.attach(command, chunk);
        chunk->data_size = uint32_t(bytes);
        chunk->prev_chunk = previous ? m_heap.physical(previous) : 0;
        chunk->next_chunk = 0;
        for (uint32_t i = 0; i < rows; ++i) {
            uint32_t memory_row = row + i;
            uint32_t source_row = bitmap.top_down ? memory_row : bitmap.height - 1 - memory_row;
            memcpy(chunk->data + uint64_t(i) * row_bytes, static_cast<const uint8_t*>(bitmap.pixels) + uint64_t(source_row) * bitmap.stride,
                row_bytes);
        }
        if (previous)
            previous->next_chunk = m_heap.physical(chunk);
        else
            image->bitmap.data = m_heap.physical(chunk);
        previous = chunk;
    }
    return m_heap.physical(image);
}

bool Painter::copy(uint32_t surface, const QXLRect& destination, const Bitmap& bitmap, const QXLRect& source_area, Clip clip)
{
    QXLDrawable* drawable = begin_drawable(surface, QXL_DRAW_COPY, destination, clip);
    if (!drawable)
        return false;
    QXLPHYSICAL image = write_image(drawable, bitmap);
    if (image == 0) {
        m_releases.abandon(drawable);
        return false;
    }
    drawable->u.copy.src_bitmap = image;
    drawable->u.copy.src_area = source_area;
    drawable->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
    drawable->u.copy.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
    return submit(Ring::Command, drawable, QXL_CMD_DRAW);
}

bool Painter::copy_surface(uint32_t surface, const QXLRect& destination, uint32_t source_surface, const QXLRect& source_area)
{
    QXLDrawable* drawable = begin_drawable(surface, QXL_DRAW_COPY, destination, {});
    if (!drawable)
        return false;
    auto* image = static_cast<QXLImage*>(allocate(sizeof(QXLImage)));
    if (!image) {
        m_releases.abandon(drawable);
        return false;
    }
    m_releases.attach(drawable, image);
    *image = QXLImage {};
    image->descriptor.type = SPICE_IMAGE_TYPE_SURFACE;
    image->descriptor.width = uint32_t(source_area.right - source_area.left);
    image->descriptor.height = uint32_t(source_area.bottom - source_area.top);
    image->surface_image.surface_id = source_surface;
    // As Xorg: the source surface is a dependency of this drawing.
    drawable->surfaces_dest[0] = int32_t(source_surface);
    drawable->surfaces_rects[0] = source_area;
    drawable->u.copy.src_bitmap = m_heap.physical(image);
    drawable->u.copy.src_area = source_area;
    drawable->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
    drawable->u.copy.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
    return submit(Ring::Command, drawable, QXL_CMD_DRAW);
}

bool Painter::copy_bits(uint32_t surface, const QXLRect& destination, int32_t source_x, int32_t source_y)
{
    QXLDrawable* drawable = begin_drawable(surface, QXL_COPY_BITS, destination, {});
    if (!drawable)
        return false;
    drawable->u.copy_bits.src_pos.x = source_x;
    drawable->u.copy_bits.src_pos.y = source_y;
    return submit(Ring::Command, drawable, QXL_CMD_DRAW);
}

bool Painter::create_surface(uint32_t id, uint32_t width, uint32_t height, int32_t stride, uint32_t format, QXLPHYSICAL data)
{
    auto* command = start_command<QXLSurfaceCmd>(CommandKind::Surface);
    if (!command)
        return false;
    command->surface_id = id;
    command->type = QXL_SURFACE_CMD_CREATE;
    command->u.surface_create.format = format;
    command->u.surface_create.width = width;
    command->u.surface_create.height = height;
    command->u.surface_create.stride = stride;
    command->u.surface_create.data = data;
    return submit(Ring::Command, command, QXL_CMD_SURFACE);
}

bool Painter::destroy_surface(uint32_t id)
{
    auto* command = start_command<QXLSurfaceCmd>(CommandKind::Surface);
    if (!command)
        return false;
    command->surface_id = id;
    command->type = QXL_SURFACE_CMD_DESTROY;
    return submit(Ring::Command, command, QXL_CMD_SURFACE);
}

bool Painter::cursor_set(int16_t x, int16_t y, const uint32_t* argb, uint16_t width, uint16_t height, uint16_t hot_x, uint16_t hot_y)
{
    auto* command = start_command<QXLCursorCmd>(CommandKind::Cursor);
    if (!command)
        return false;
    uint32_t bytes = uint32_t(width) * height * 4;
    auto* shape = static_cast<QXLCursor*>(allocate(sizeof(QXLCursor) + bytes));
    if (!shape) {
        m_releases.abandon(command);
        return false;
    }
    m_releases.attach(command, shape);
    *shape = QXLCursor {};
    shape->header.unique = 0;
    shape->header.type = SPICE_CURSOR_TYPE_ALPHA;
    shape->header.width = width;
    shape->header.height = height;
    shape->header.hot_spot_x = hot_x;
    shape->header.hot_spot_y = hot_y;
    shape->data_size = bytes;
    shape->chunk.data_size = bytes;
    memcpy(shape->chunk.data, argb, bytes);
    command->type = QXL_CURSOR_SET;
    command->u.set.position.x = x;
    command->u.set.position.y = y;
    command->u.set.visible = 1;
    command->u.set.shape = m_heap.physical(shape);
    return submit(Ring::Cursor, command, QXL_CMD_CURSOR);
}

bool Painter::cursor_move(int16_t x, int16_t y)
{
    auto* command = start_command<QXLCursorCmd>(CommandKind::Cursor);
    if (!command)
        return false;
    command->type = QXL_CURSOR_MOVE;
    command->u.position.x = x;
    command->u.position.y = y;
    return submit(Ring::Cursor, command, QXL_CMD_CURSOR);
}

bool Painter::cursor_hide()
{
    auto* command = start_command<QXLCursorCmd>(CommandKind::Cursor);
    if (!command)
        return false;
    command->type = QXL_CURSOR_HIDE;
    return submit(Ring::Cursor, command, QXL_CMD_CURSOR);
}

}
