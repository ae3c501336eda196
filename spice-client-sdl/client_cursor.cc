#include "spice-client-sdl/client_cursor.h"

#include "spice-common/wire_reader.h"

#include <spice/enums.h>

#include <string>

namespace spicebox {

namespace {

// The largest cursor a server may send; real ones are 64x64 at most (QXL's limit is 2^16 per side).
constexpr uint16_t kMaxCursorSide = 512;
constexpr size_t kMaxCachedShapes = 1024;

Result<Framebuffer> cursor_image(uint8_t type, uint16_t width, uint16_t height, std::span<const uint8_t> data)
{
    Framebuffer image;
    image.resize(width, height);
    if (type == SPICE_CURSOR_TYPE_ALPHA) {
        if (data.size() < size_t(width) * height * 4)
            return Error { "ALPHA cursor data shorter than its size" };
        for (size_t i = 0; i < image.pixels.size(); ++i)
            image.pixels[i] = uint32_t(data[i * 4]) | uint32_t(data[i * 4 + 1]) << 8 | uint32_t(data[i * 4 + 2]) << 16
                | uint32_t(data[i * 4 + 3]) << 24;
        return image;
    }
    if (type == SPICE_CURSOR_TYPE_MONO) {
        size_t row_bytes = (size_t(width) + 7) / 8;
        size_t mask_bytes = row_bytes * height;
        if (data.size() < 2 * mask_bytes)
            return Error { "MONO cursor data shorter than its size" };
        for (uint32_t y = 0; y < height; ++y)
            for (uint32_t x = 0; x < width; ++x) {
                uint8_t bit = uint8_t(0x80 >> (x % 8));
                bool and_bit = data[y * row_bytes + x / 8] & bit;
                bool xor_bit = data[mask_bytes + y * row_bytes + x / 8] & bit;
                // AND 1 keeps the screen (transparent, or inverted where XOR is set: shown black, as an
                // image cannot invert); AND 0 paints the XOR colour.
                uint32_t pixel = 0;
                if (!and_bit)
                    pixel = xor_bit ? 0xFFFFFFFF : 0xFF000000;
                else if (xor_bit)
                    pixel = 0xFF000000;
                image.row(y)[x] = pixel;
            }
        return image;
    }
    // The palettised shapes stay transparent: no server we know sends them.
    return image;
}

} // namespace

Result<void> ClientCursor::read_shape(WireReader& reader)
{
    auto flags = TRY(reader.read<uint16_t>("cursor flags"));
    if (flags & SPICE_CURSOR_FLAGS_NONE) {
        m_cursor.visible = false;
        m_cursor.image = Framebuffer {};
        return {};
    }
    auto unique = TRY(reader.read<uint64_t>("cursor header"));
    auto type = TRY(reader.read<uint8_t>("cursor header"));
    auto width = TRY(reader.read<uint16_t>("cursor header"));
    auto height = TRY(reader.read<uint16_t>("cursor header"));
    auto hot_x = TRY(reader.read<uint16_t>("cursor header"));
    auto hot_y = TRY(reader.read<uint16_t>("cursor header"));
    Shape shape;
    if (flags & SPICE_CURSOR_FLAGS_FROM_CACHE) {
        auto found = m_cache.find(unique);
        if (found == m_cache.end())
            return Error { "the server named cursor " + std::to_string(unique) + ", which is not in the cache" };
        shape = found->second;
    } else {
        if (width > kMaxCursorSide || height > kMaxCursorSide)
            return Error { "cursor of " + std::to_string(width) + "x" + std::to_string(height) };
        shape.hot_x = hot_x;
        shape.hot_y = hot_y;
        shape.image = TRY(cursor_image(type, width, height, reader.rest()));
        if (flags & SPICE_CURSOR_FLAGS_CACHE_ME) {
            if (m_cache.size() >= kMaxCachedShapes && !m_cache.contains(unique))
                return Error { "the server cached more than " + std::to_string(kMaxCachedShapes) + " cursors" };
            m_cache[unique] = shape;
        }
    }
    m_cursor.hot_x = shape.hot_x;
    m_cursor.hot_y = shape.hot_y;
    m_cursor.image = std::move(shape.image);
    return {};
}

Result<void> ClientCursor::handle(const ChannelMessage& message)
{
    WireReader reader(message.body);
    switch (message.type) {
    case SPICE_MSG_CURSOR_INIT: {
        m_cursor.x = TRY(reader.read<int16_t>("CURSOR_INIT"));
        m_cursor.y = TRY(reader.read<int16_t>("CURSOR_INIT"));
        TRY(reader.skip(4, "CURSOR_INIT")); // trail length and frequency
        m_cursor.visible = TRY(reader.read<uint8_t>("CURSOR_INIT")) != 0;
        TRY(read_shape(reader));
        changed();
        return {};
    }
    case SPICE_MSG_CURSOR_SET: {
        m_cursor.x = TRY(reader.read<int16_t>("CURSOR_SET"));
        m_cursor.y = TRY(reader.read<int16_t>("CURSOR_SET"));
        m_cursor.visible = TRY(reader.read<uint8_t>("CURSOR_SET")) != 0;
        TRY(read_shape(reader));
        changed();
        return {};
    }
    case SPICE_MSG_CURSOR_MOVE:
        m_cursor.x = TRY(reader.read<int16_t>("CURSOR_MOVE"));
        m_cursor.y = TRY(reader.read<int16_t>("CURSOR_MOVE"));
        m_cursor.visible = m_cursor.image.width > 0;
        changed();
        return {};
    case SPICE_MSG_CURSOR_HIDE:
        m_cursor.visible = false;
        changed();
        return {};
    case SPICE_MSG_CURSOR_RESET:
        m_cursor = ClientSession::Cursor { false, 0, 0, 0, 0, {}, m_cursor.generation + 1 };
        m_cache.clear();
        return {};
    case SPICE_MSG_CURSOR_INVAL_ONE:
        m_cache.erase(TRY(reader.read<uint64_t>("CURSOR_INVAL_ONE")));
        return {};
    case SPICE_MSG_CURSOR_INVAL_ALL:
        m_cache.clear();
        return {};
    case SPICE_MSG_CURSOR_TRAIL:
        return {};
    }
    return {};
}

} // namespace spicebox
