// The cursor channel on the client: the pointer's shape (ALPHA and MONO shapes turned into an ARGB
// image, the others shown as hidden), hot spot, position and visibility, with the shape cache the
// server fills with CACHE_ME and refers to with FROM_CACHE.
#pragma once

#include "spice-client-sdl/channel_connection.h"
#include "spice-client-sdl/client_session.h"
#include "spice-common/wire_reader.h"

#include <cstdint>
#include <unordered_map>

namespace spicebox {

class ClientCursor {
public:
    Result<void> handle(const ChannelMessage&);
    const ClientSession::Cursor& cursor() const { return m_cursor; }
    size_t cached_shapes() const { return m_cache.size(); }

private:
    struct Shape {
        uint16_t hot_x { 0 };
        uint16_t hot_y { 0 };
        Framebuffer image;
    };

    Result<void> read_shape(WireReader&);
    void changed() { ++m_cursor.generation; }

    ClientSession::Cursor m_cursor;
    std::unordered_map<uint64_t, Shape> m_cache;
};

} // namespace spicebox
