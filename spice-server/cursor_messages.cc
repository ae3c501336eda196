#include "spice-server/cursor_messages.h"

#include <spice/enums.h>

#include <algorithm>
#include <limits>

namespace spicebox {

namespace {

void put_point16(WireWriter& writer, Point position)
{
    constexpr int32_t low = std::numeric_limits<int16_t>::min();
    constexpr int32_t high = std::numeric_limits<int16_t>::max();
    writer.put<int16_t>(int16_t(std::clamp(position.x, low, high)));
    writer.put<int16_t>(int16_t(std::clamp(position.y, low, high)));
}

}

void marshal_cursor(WireWriter& writer, const CursorShape* shape, uint16_t flags)
{
    if (!shape) {
        writer.put_u16(SPICE_CURSOR_FLAGS_NONE);
        return;
    }
    writer.put_u16(flags);
    writer.put_u64(shape->unique);
    writer.put_u8(uint8_t(shape->type));
    writer.put_u16(shape->width);
    writer.put_u16(shape->height);
    writer.put_u16(shape->hot_spot_x);
    writer.put_u16(shape->hot_spot_y);
    if (!(flags & SPICE_CURSOR_FLAGS_FROM_CACHE))
        writer.put_bytes(shape->data);
}

void marshal_cursor_init(WireWriter& writer, Point position, uint16_t trail_length, uint16_t trail_frequency, bool visible,
    const CursorShape* shape, uint16_t flags)
{
    put_point16(writer, position);
    writer.put_u16(trail_length);
    writer.put_u16(trail_frequency);
    writer.put_u8(visible ? 1 : 0);
    marshal_cursor(writer, shape, flags);
}

void marshal_cursor_set(WireWriter& writer, Point position, bool visible, const CursorShape* shape, uint16_t flags)
{
    put_point16(writer, position);
    writer.put_u8(visible ? 1 : 0);
    marshal_cursor(writer, shape, flags);
}

void marshal_cursor_move(WireWriter& writer, Point position) { put_point16(writer, position); }

void marshal_cursor_trail(WireWriter& writer, uint16_t length, uint16_t frequency)
{
    writer.put_u16(length);
    writer.put_u16(frequency);
}

void marshal_cursor_inval_one(WireWriter& writer, uint64_t unique) { writer.put_u64(unique); }

} // namespace spicebox
