#include "spice-server/cursor_channel.h"

#include "base/log.h"
#include "spice-server/cursor_messages.h"

#include <spice/enums.h>

#include <algorithm>

namespace spicebox {

CursorChannelClient::CursorChannelClient(std::unique_ptr<SocketStream> stream, LinkRequest link, const CursorState& cursor,
    const MouseMode& mouse_mode)
    : ChannelClient(std::move(stream), std::move(link), kCursorMaxMessageBytes)
    , m_cursor(cursor)
    , m_mouse_mode(mouse_mode)
{
}

Result<void> CursorChannelClient::start()
{
    start_ack_window(kCursorAckWindow);
    const CursorShape* shape = m_cursor.shape.get();
    uint16_t flags = shape ? cache_flags(*shape) : 0;
    send(SPICE_MSG_CURSOR_INIT, [&](WireWriter& writer) {
        marshal_cursor_init(writer, m_cursor.position, m_cursor.trail_length, m_cursor.trail_frequency, m_cursor.visible, shape, flags);
    });
    m_client_visible = m_cursor.visible;
    return {};
}

void CursorChannelClient::cursor_command(const CursorCommand& command)
{
    if (m_pipe.size() >= kMaxCursorPipeItems) {
        m_pipe.clear();
        m_pipe.emplace_back();
        return;
    }
    m_pipe.emplace_back(command);
}

void CursorChannelClient::resynchronise()
{
    m_pipe.clear();
    m_pipe.emplace_back();
}

uint16_t CursorChannelClient::cache_flags(const CursorShape& shape)
{
    // Unique id 0: a shape the guest does not want cached (spice-server caches only non-zero ids).
    if (shape.unique == 0)
        return 0;
    auto found = std::find(m_cached.begin(), m_cached.end(), shape.unique);
    if (found != m_cached.end()) {
        m_cached.erase(found);
        m_cached.push_back(shape.unique);
        return SPICE_CURSOR_FLAGS_FROM_CACHE;
    }
    if (m_cached.size() >= kCursorCacheSize) {
        uint64_t evicted = m_cached.front();
        m_cached.pop_front();
        send(SPICE_MSG_CURSOR_INVAL_ONE, [&](WireWriter& writer) { marshal_cursor_inval_one(writer, evicted); });
    }
    m_cached.push_back(shape.unique);
    return SPICE_CURSOR_FLAGS_CACHE_ME;
}

void CursorChannelClient::invalidate_cache()
{
    m_cached.clear();
    send_empty(SPICE_MSG_CURSOR_INVAL_ALL);
}

void CursorChannelClient::send_current()
{
    // The commands dropped may have held a reset, after which the guest may reuse unique ids for new shapes.
    invalidate_cache();
    const CursorShape* shape = m_cursor.shape.get();
    if (!shape) {
        send_empty(SPICE_MSG_CURSOR_HIDE);
        m_client_visible = false;
        return;
    }
    uint16_t flags = cache_flags(*shape);
    send(SPICE_MSG_CURSOR_SET, [&](WireWriter& writer) { marshal_cursor_set(writer, m_cursor.position, m_cursor.visible, shape, flags); });
    m_client_visible = m_cursor.visible;
}

bool CursorChannelClient::produce()
{
    while (!m_pipe.empty()) {
        auto item = std::move(m_pipe.front());
        m_pipe.pop_front();
        if (!item) {
            send_current();
            return true;
        }
        if (auto* set = std::get_if<CursorSet>(&*item)) {
            uint16_t flags = cache_flags(set->shape);
            send(SPICE_MSG_CURSOR_SET, [&](WireWriter& writer) { marshal_cursor_set(writer, set->position, set->visible, &set->shape, flags); });
            m_client_visible = set->visible;
            return true;
        }
        if (auto* move = std::get_if<CursorMove>(&*item)) {
            // The client moves its own pointer in client mode; only a MOVE that shows the cursor matters then.
            if (m_mouse_mode.client() && m_client_visible)
                continue;
            send(SPICE_MSG_CURSOR_MOVE, [&](WireWriter& writer) { marshal_cursor_move(writer, move->position); });
            m_client_visible = true;
            return true;
        }
        if (std::holds_alternative<CursorHide>(*item)) {
            send_empty(SPICE_MSG_CURSOR_HIDE);
            m_client_visible = false;
            return true;
        }
        if (std::holds_alternative<CursorReset>(*item)) {
            // As spice-server's CursorChannel::reset: the client's cache goes, then its cursor.
            invalidate_cache();
            send_empty(SPICE_MSG_CURSOR_RESET);
            m_client_visible = true;
            return true;
        }
        auto& trail = std::get<CursorTrail>(*item);
        send(SPICE_MSG_CURSOR_TRAIL, [&](WireWriter& writer) { marshal_cursor_trail(writer, trail.length, trail.frequency); });
        return true;
    }
    return false;
}

Result<void> CursorChannelClient::handle_message(uint16_t type, std::span<const uint8_t>)
{
    // The cursor channel has no client messages beyond the common ones.
    LOG_DEBUG("spice", "cursor channel: message type %u ignored", type);
    return {};
}

} // namespace spicebox
