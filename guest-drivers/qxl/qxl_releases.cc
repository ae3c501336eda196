#include "qxl/qxl_releases.h"

#include "runtime/mem.h"

namespace spicebox::guest::qxl {

namespace {

constexpr uint64_t kind_mask = 3;
// Bound on the chunks freed from one image: the device would have refused a longer chain.
constexpr unsigned max_chunks = 1 << 16;

uint64_t read_u64(const void* at)
{
    uint64_t value;
    memcpy(&value, at, sizeof value);
    return value;
}

void write_u64(void* at, uint64_t value) { memcpy(at, &value, sizeof value); }

}

void Releases::clear()
{
    for (Record& record : m_records)
        record = Record {};
    m_cursor = 0;
    m_outstanding = 0;
}

bool Releases::begin(void* command, CommandKind kind)
{
    if (m_ids == ReleaseIds::Pointer) {
        write_u64(command, reinterpret_cast<uint64_t>(command) | uint64_t(kind));
        ++m_outstanding;
        return true;
    }
    for (unsigned tried = 0; tried < capacity; ++tried) {
        unsigned index = (m_cursor + tried) % capacity;
        if (m_records[index].command)
            continue;
        m_records[index] = Record { command, {}, 0 };
        m_cursor = (index + 1) % capacity;
        write_u64(command, index + 1);
        ++m_outstanding;
        return true;
    }
    return false;
}

void Releases::attach(void* command, void* block)
{
    if (m_ids == ReleaseIds::Pointer)
        return;
    uint64_t id = read_u64(command);
    if (id == 0 || id > capacity)
        return;
    Record& record = m_records[id - 1];
    if (record.command == command && record.count < max_blocks)
        record.blocks[record.count++] = block;
}

void Releases::abandon(void* command)
{
    uint64_t id = read_u64(command);
    if (m_ids == ReleaseIds::Pointer)
        release_pointer_id(id);
    else
        release_table_id(id);
}

uint64_t Releases::next_of(void* command) const { return read_u64(command); }

uint64_t Releases::release(void* self, uint64_t id)
{
    auto* releases = static_cast<Releases*>(self);
    return releases->m_ids == ReleaseIds::Pointer ? releases->release_pointer_id(id) : releases->release_table_id(id);
}

uint64_t Releases::release_table_id(uint64_t id)
{
    if (id == 0 || id > capacity || !m_records[id - 1].command) {
        ++m_unknown;
        return 0;
    }
    Record& record = m_records[id - 1];
    uint64_t next = next_of(record.command);
    for (unsigned i = 0; i < record.count; ++i)
        m_heap.free(record.blocks[i]);
    m_heap.free(record.command);
    record = Record {};
    --m_outstanding;
    return next;
}

void Releases::free_chunks(QXLPHYSICAL first)
{
    QXLPHYSICAL chunk = first;
    for (unsigned count = 0; chunk != 0 && count < max_chunks; ++count) {
        auto* header = static_cast<QXLDataChunk*>(m_heap.pointer(chunk, sizeof(QXLDataChunk)));
        if (!header)
            return;
        chunk = header->next_chunk;
        m_heap.free(header);
    }
}

void Releases::free_image(QXLPHYSICAL address)
{
    auto* image = static_cast<QXLImage*>(m_heap.pointer(address, sizeof(QXLImage)));
    if (!image)
        return;
    if (image->descriptor.type == SPICE_IMAGE_TYPE_BITMAP) {
        if (image->bitmap.flags & QXL_BITMAP_DIRECT)
            m_heap.free(m_heap.pointer(image->bitmap.data, 1));
        else
            free_chunks(image->bitmap.data);
        if (image->bitmap.palette)
            m_heap.free(m_heap.pointer(image->bitmap.palette, sizeof(QXLPalette)));
    }
    m_heap.free(image);
}

uint64_t Releases::release_pointer_id(uint64_t id)
{
    auto* command = reinterpret_cast<uint8_t*>(id & ~kind_mask);
    if (!m_heap.owns(command)) {
        ++m_unknown;
        return 0;
    }
    uint64_t next = next_of(command);
    switch (CommandKind(id & kind_mask)) {
    case CommandKind::Drawable: {
        auto* drawable = reinterpret_cast<QXLDrawable*>(command);
        if (drawable->clip.type == SPICE_CLIP_TYPE_RECTS)
            m_heap.free(m_heap.pointer(drawable->clip.data, sizeof(QXLClipRects)));
        if (drawable->type == QXL_DRAW_COPY)
            free_image(drawable->u.copy.src_bitmap);
        break;
    }
    case CommandKind::Cursor: {
        auto* cursor = reinterpret_cast<QXLCursorCmd*>(command);
        if (cursor->type == QXL_CURSOR_SET)
            m_heap.free(m_heap.pointer(cursor->u.set.shape, sizeof(QXLCursor)));
        break;
    }
    case CommandKind::Surface:
        break;
    }
    m_heap.free(command);
    --m_outstanding;
    return next;
}

}
