// The cursor channel of one client: SET_ACK and a CURSOR_INIT with the guest's cursor as it is now
// (position, trail, visibility, shape), then a message for each of the guest's cursor commands: SET,
// MOVE, HIDE, TRAIL. In client mouse mode the client places the pointer itself, so MOVEs are not sent
// unless they show a hidden cursor (as in spice-server).
//
// Shapes with a unique id are cached by the client: the first SET of a shape carries its data and
// CACHE_ME, later ones only its header with FROM_CACHE. The cache holds kCursorCacheSize shapes; the
// least recently used one is evicted with an INVAL_ONE before a new one is cached. A device reset is sent
// as INVAL_ALL then RESET, so the next SET of any shape carries its data again.
//
// The messages owed wait in a bounded queue that the ACK window drains; a client that falls behind has
// them replaced by an INVAL_ALL and one SET of the current cursor.
#pragma once

#include "spice-server/channel_client.h"
#include "spice-server/cursor_stream.h"
#include "spice-server/mouse_mode.h"

#include <deque>

namespace spicebox {

// spice-server's cursor channel receive limit.
constexpr size_t kCursorMaxMessageBytes = 1024;
// Shapes a client caches (spice-server's CLIENT_CURSOR_CACHE_SIZE).
constexpr size_t kCursorCacheSize = 256;
// Queued commands beyond which a client gets the current cursor instead.
constexpr size_t kMaxCursorPipeItems = 64;
constexpr uint32_t kCursorAckWindow = 20;

class CursorChannelClient final : public ChannelClient {
public:
    // `cursor` is the server's current cursor; it must stay up to date while the client lives.
    CursorChannelClient(std::unique_ptr<SocketStream>, LinkRequest, const CursorState& cursor, const MouseMode&);

    Result<void> start() override;
    // A guest command, already applied to the current cursor; the caller pumps.
    void cursor_command(const CursorCommand&);
    // Commands were lost on the way: the client is sent the current cursor.
    void resynchronise();

    size_t queued_items() const { return m_pipe.size(); }

private:
    Result<void> handle_message(uint16_t type, std::span<const uint8_t> body) override;
    bool produce() override;
    uint16_t cache_flags(const CursorShape&);
    void invalidate_cache();
    void send_current();

    const CursorState& m_cursor;
    const MouseMode& m_mouse_mode;
    // Empty optional: the current cursor (a resynchronisation).
    std::deque<std::optional<CursorCommand>> m_pipe;
    bool m_client_visible { false };
    // Unique ids the client holds, least recently used first.
    std::deque<uint64_t> m_cached;
};

} // namespace spicebox
