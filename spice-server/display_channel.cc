#include "spice-server/display_channel.h"

#include "base/log.h"
#include "spice-server/display_messages.h"

#include <spice/enums.h>

#include <algorithm>

namespace spicebox {

DisplayChannelClient::DisplayChannelClient(std::unique_ptr<SocketStream> stream, LinkRequest link, DisplayState& state)
    : ChannelClient(std::move(stream), std::move(link), kDisplayMaxMessageBytes)
    , m_state(state)
{
}

Result<void> DisplayChannelClient::start()
{
    start_ack_window(kDisplayAckWindow);
    return {};
}

Rect DisplayChannelClient::screen_rect() const
{
    return Rect { 0, 0, int32_t(m_state.screen.width), int32_t(m_state.screen.height) };
}

void DisplayChannelClient::screen_resized()
{
    if (!m_initialized)
        return;
    m_pipe.clear();
    if (m_client_surface)
        m_pipe.push_back({ Item::Kind::DestroySurface });
    if (screen_rect().empty())
        return;
    m_pipe.push_back({ Item::Kind::CreateSurface, screen_rect() });
    m_pipe.push_back({ Item::Kind::Draw, screen_rect() });
    m_pipe.push_back({ Item::Kind::Mark });
}

void DisplayChannelClient::screen_updated(std::span<const Rect> areas)
{
    if (!m_initialized || screen_rect().empty())
        return;
    for (auto& area : areas) {
        if (!area.empty())
            m_pipe.push_back({ Item::Kind::Draw, area });
    }
    if (m_pipe.size() > kMaxPipeItems)
        queue_full_redraw();
}

// Replaces every queued draw with one draw of the whole screen, where the first of them was.
void DisplayChannelClient::queue_full_redraw()
{
    auto first = std::find_if(m_pipe.begin(), m_pipe.end(), [](const Item& item) { return item.kind == Item::Kind::Draw; });
    if (first == m_pipe.end())
        return;
    size_t position = size_t(first - m_pipe.begin());
    std::erase_if(m_pipe, [](const Item& item) { return item.kind == Item::Kind::Draw; });
    m_pipe.insert(m_pipe.begin() + ptrdiff_t(position), Item { Item::Kind::Draw, screen_rect() });
    ++m_coalesced;
    LOG_DEBUG("spice", "display channel: the client fell behind; its queued updates became one full-screen draw");
}

bool DisplayChannelClient::produce()
{
    if (m_pipe.empty())
        return false;
    auto& item = m_pipe.front();
    switch (item.kind) {
    case Item::Kind::CreateSurface: {
        auto width = uint32_t(item.area.width());
        auto height = uint32_t(item.area.height());
        send(SPICE_MSG_DISPLAY_SURFACE_CREATE, [&](WireWriter& writer) { marshal_surface_create(writer, kPrimarySurfaceId, width, height); });
        m_client_surface = std::pair(width, height);
        m_pipe.pop_front();
        return true;
    }
    case Item::Kind::DestroySurface:
        send(SPICE_MSG_DISPLAY_SURFACE_DESTROY, [](WireWriter& writer) { marshal_surface_destroy(writer, kPrimarySurfaceId); });
        m_client_surface.reset();
        m_pipe.pop_front();
        return true;
    case Item::Kind::Draw:
        send_draw(item);
        return true;
    case Item::Kind::Mark:
        send_empty(SPICE_MSG_DISPLAY_MARK);
        m_pipe.pop_front();
        return true;
    }
    return false;
}

// Sends the first band of rows of the draw at the front of the pipe, dropping it once all is sent.
void DisplayChannelClient::send_draw(Item& item)
{
    Rect area = item.area;
    Rect bounds = screen_rect();
    if (m_client_surface) {
        bounds.right = std::min(bounds.right, int32_t(m_client_surface->first));
        bounds.bottom = std::min(bounds.bottom, int32_t(m_client_surface->second));
    } else {
        bounds = {};
    }
    area.left = std::max(area.left, bounds.left);
    area.top = std::max(area.top, bounds.top);
    area.right = std::min(area.right, bounds.right);
    area.bottom = std::min(area.bottom, bounds.bottom);
    if (area.empty()) {
        m_pipe.pop_front();
        return;
    }
    size_t row_bytes = size_t(area.width()) * 4;
    auto rows = int32_t(std::clamp<size_t>(kMaxDrawBytes / row_bytes, 1, size_t(area.height())));
    Rect band = area;
    band.bottom = area.top + rows;
    uint64_t image_id = m_state.next_image_id++;
    send(SPICE_MSG_DISPLAY_DRAW_COPY,
        [&](WireWriter& writer) { marshal_draw_copy_raw(writer, kPrimarySurfaceId, band, image_id, m_state.screen); });
    ++m_draws_sent;
    if (band.bottom < area.bottom) {
        item.area = area;
        item.area.top = band.bottom;
    } else {
        m_pipe.pop_front();
    }
}

Result<void> DisplayChannelClient::handle_message(uint16_t type, std::span<const uint8_t> body)
{
    switch (type) {
    case SPICE_MSGC_DISPLAY_INIT: {
        auto init = TRY(parse_display_init(body));
        LOG_DEBUG("spice", "display channel: client pixmap cache %lld px, glz window %d px",
            static_cast<long long>(init.pixmap_cache_size), init.glz_dictionary_window_size);
        if (!m_initialized) {
            m_initialized = true;
            screen_resized();
        }
        return {};
    }
    case SPICE_MSGC_DISPLAY_STREAM_REPORT:
    case SPICE_MSGC_DISPLAY_PREFERRED_COMPRESSION:
    case SPICE_MSGC_DISPLAY_GL_DRAW_DONE:
    case SPICE_MSGC_DISPLAY_PREFERRED_VIDEO_CODEC_TYPE:
        return {};
    default:
        LOG_DEBUG("spice", "display channel: message type %u ignored", type);
        return {};
    }
}

} // namespace spicebox
