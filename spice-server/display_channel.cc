#include "spice-server/display_channel.h"

#include "base/log.h"
#include "spice-common/draw_marshaller.h"
#include "spice-common/wire_reader.h"
#include "spice-server/display_messages.h"
#include "spice-server/image_encoder.h"

#include <spice/enums.h>

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace spicebox {

// How each image of one draw goes to this client: decided (cache, eviction) before the message is
// written, since evictions must reach the client first.
class DisplayChannelClient::ImagePlan final : public ImageWriter {
public:
    ImagePlan(DisplayChannelClient& client, const DrawCommand& command)
        : m_client(client)
    {
        ClientCodecs codecs { client.m_lz4, client.m_bandwidth.low() };
        for (auto* image : draw_images(command)) {
            m_compressions[image] = choose_compression(*image, codecs);
            auto* bitmap = std::get_if<Bitmap>(&image->source);
            // A lossy copy is not cached: later uses must get the real pixels.
            if (!bitmap || !image->cacheable || m_uses.contains(image->id) || m_compressions[image] == ImageCompression::Jpeg)
                continue;
            m_uses[image->id] = client.m_image_cache.use(image->id, uint64_t(bitmap->width) * bitmap->height, m_evicted);
        }
    }

    const std::vector<uint64_t>& evicted() const { return m_evicted; }

    // Whether every SURFACE image names a surface the client has.
    static bool sources_present(const DisplayChannelClient& client, const DrawCommand& command)
    {
        for (auto* image : draw_images(command)) {
            auto* surface = std::get_if<SurfaceImage>(&image->source);
            if (surface && !client.client_has_surface(surface->surface_id))
                return false;
        }
        return true;
    }

    void write_image(WireWriter& writer, size_t body_start, const Image& image) override
    {
        auto found = m_uses.find(image.id);
        auto use = found == m_uses.end() || !std::holds_alternative<Bitmap>(image.source) ? ImageCache::Use::Send : found->second;
        if (use == ImageCache::Use::FromCache) {
            auto& bitmap = std::get<Bitmap>(image.source);
            write_image_descriptor(writer, image.id, SPICE_IMAGE_TYPE_FROM_CACHE, 0, bitmap.width, bitmap.height);
            ++m_client.m_cached_images_sent;
            return;
        }
        uint8_t flags = use == ImageCache::Use::SendAndCache ? SPICE_IMAGE_FLAGS_CACHE_ME : 0;
        auto chosen = m_compressions.contains(&image) ? m_compressions.at(&image) : ImageCompression::Raw;
        auto compression = spicebox::write_image(writer, body_start, image, flags, chosen, [this](uint32_t surface_id) {
            auto& surfaces = m_client.m_client_surfaces;
            auto surface = surfaces.find(surface_id);
            return surface == surfaces.end() ? std::pair(0u, 0u) : std::pair(surface->second.width, surface->second.height);
        });
        if (compression == ImageCompression::Lz4)
            ++m_client.m_lz4_images_sent;
        if (compression == ImageCompression::Jpeg)
            ++m_client.m_jpeg_images_sent;
    }

private:
    DisplayChannelClient& m_client;
    std::unordered_map<uint64_t, ImageCache::Use> m_uses;
    std::unordered_map<const Image*, ImageCompression> m_compressions;
    std::vector<uint64_t> m_evicted;
};

DisplayChannelClient::DisplayChannelClient(std::unique_ptr<SocketStream> stream, LinkRequest link, DisplayState& state)
    : ChannelClient(std::move(stream), std::move(link), kDisplayMaxMessageBytes)
    , m_state(state)
    , m_lz4(this->link().channel_caps.has(SPICE_DISPLAY_CAP_LZ4_COMPRESSION))
{
}

DisplayChannelClient::~DisplayChannelClient()
{
    if (!m_initialized)
        return;
    LOG_INFO("spice", "display channel: sent %llu draw commands (%llu images from the cache, %llu in LZ4, %llu in JPEG), "
                      "%llu screen images, %llu snapshots, %llu bytes; %llu draws dropped as covered, %llu coalesced updates",
        static_cast<unsigned long long>(m_commands_sent), static_cast<unsigned long long>(m_cached_images_sent),
        static_cast<unsigned long long>(m_lz4_images_sent), static_cast<unsigned long long>(m_jpeg_images_sent),
        static_cast<unsigned long long>(m_draws_sent), static_cast<unsigned long long>(m_snapshots),
        static_cast<unsigned long long>(bytes_sent()), static_cast<unsigned long long>(dropped_by_occlusion()),
        static_cast<unsigned long long>(m_coalesced));
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

void DisplayChannelClient::queue_destroy_all()
{
    // Off-screen surfaces first: the primary goes last, as a client expects of a mode change.
    for (auto& [id, surface] : m_client_surfaces) {
        if (!surface.primary)
            m_pipe.push({ .kind = PipeItem::Kind::DestroySurface, .surface = surface });
    }
    for (auto& [id, surface] : m_client_surfaces) {
        if (surface.primary)
            m_pipe.push({ .kind = PipeItem::Kind::DestroySurface, .surface = surface });
    }
}

void DisplayChannelClient::screen_resized()
{
    if (!m_initialized || m_command_mode)
        return;
    m_pipe.clear();
    queue_destroy_all();
    if (screen_rect().empty())
        return;
    SurfaceInfo primary { kPrimarySurfaceId, m_state.screen.width, m_state.screen.height, SurfaceFormat::Xrgb8888, true };
    m_pipe.push({ .kind = PipeItem::Kind::CreateSurface, .surface = primary });
    m_pipe.push({ .kind = PipeItem::Kind::ScreenArea, .area = screen_rect() });
    // The channel advertises MONITORS_CONFIG, so spice-gtk shows nothing until one names the primary.
    MonitorsConfig monitors { .max_allowed = 1, .heads = { MonitorHead { .width = primary.width, .height = primary.height } } };
    m_pipe.push({ .kind = PipeItem::Kind::MonitorsConfig, .monitors = monitors });
    m_pipe.push({ .kind = PipeItem::Kind::Mark });
}

void DisplayChannelClient::screen_updated(std::span<const Rect> areas)
{
    if (!m_initialized || m_command_mode || screen_rect().empty())
        return;
    for (auto& area : areas) {
        if (!area.empty())
            m_pipe.push({ .kind = PipeItem::Kind::ScreenArea, .area = area });
    }
    if (m_pipe.size() > kMaxPipeItems)
        queue_full_redraw();
}

// Replaces every queued screen draw with one draw of the whole screen, where the first of them was.
void DisplayChannelClient::queue_full_redraw()
{
    auto& items = m_pipe.items();
    auto is_area = [](const PipeItem& item) { return item.kind == PipeItem::Kind::ScreenArea; };
    auto first = std::find_if(items.begin(), items.end(), is_area);
    if (first == items.end())
        return;
    size_t position = size_t(first - items.begin());
    std::erase_if(items, is_area);
    items.insert(items.begin() + ptrdiff_t(position), PipeItem { .kind = PipeItem::Kind::ScreenArea, .area = screen_rect() });
    ++m_coalesced;
    LOG_DEBUG("spice", "display channel: the client fell behind; its queued updates became one full-screen draw");
}

void DisplayChannelClient::mode_changed()
{
    if (!m_initialized)
        return;
    m_command_mode = m_state.command_mode && m_state.commands;
    if (m_command_mode)
        queue_snapshot();
    else
        screen_resized();
}

void DisplayChannelClient::resynchronise()
{
    if (m_initialized && m_command_mode)
        queue_snapshot();
}

// Brings the client to the command source's surfaces as they are now: surfaces it has that differ are
// destroyed, missing ones created, and every surface's pixels sent as one image.
void DisplayChannelClient::queue_snapshot()
{
    auto snapshot = m_state.commands->snapshot();
    m_pipe.clear();
    std::map<uint32_t, const DisplaySnapshot::Surface*> wanted;
    for (auto& surface : snapshot.surfaces)
        wanted[surface.info.id] = &surface;
    for (auto& [id, surface] : m_client_surfaces) {
        auto found = wanted.find(id);
        if (found == wanted.end() || !(found->second->info == surface))
            m_pipe.push({ .kind = PipeItem::Kind::DestroySurface, .surface = surface });
    }
    for (auto& surface : snapshot.surfaces) {
        auto client = m_client_surfaces.find(surface.info.id);
        if (client == m_client_surfaces.end() || !(client->second == surface.info))
            m_pipe.push({ .kind = PipeItem::Kind::CreateSurface, .surface = surface.info });
        auto area = Rect { 0, 0, int32_t(surface.pixels->width), int32_t(surface.pixels->height) };
        m_pipe.push({ .kind = PipeItem::Kind::SurfacePixels, .surface = surface.info, .area = area, .pixels = surface.pixels });
    }
    auto monitors = snapshot.monitors;
    if (monitors.heads.empty()) {
        for (auto& surface : snapshot.surfaces) {
            if (surface.info.primary)
                monitors.heads.push_back({ 0, surface.info.id, surface.info.width, surface.info.height, 0, 0, 0 });
        }
    }
    if (!monitors.heads.empty())
        m_pipe.push({ .kind = PipeItem::Kind::MonitorsConfig, .monitors = monitors });
    m_pipe.push({ .kind = PipeItem::Kind::Mark });
    m_synced_sequence = snapshot.sequence;
    ++m_snapshots;
    LOG_DEBUG("spice", "display channel: snapshot of %zu surfaces at event %llu", snapshot.surfaces.size(),
        static_cast<unsigned long long>(snapshot.sequence));
}

void DisplayChannelClient::display_event(const DisplayEvent& event)
{
    if (!m_initialized || !m_command_mode || event.sequence <= m_synced_sequence)
        return;
    m_synced_sequence = event.sequence;
    std::visit(
        [&](const auto& what) {
            using T = std::decay_t<decltype(what)>;
            if constexpr (std::is_same_v<T, SurfaceInfo>) {
                m_pipe.push({ .kind = PipeItem::Kind::CreateSurface, .surface = what });
            } else if constexpr (std::is_same_v<T, SurfaceDestroyed>) {
                m_pipe.push({ .kind = PipeItem::Kind::DestroySurface, .surface = SurfaceInfo { .id = what.id } });
            } else if constexpr (std::is_same_v<T, MonitorsConfig>) {
                m_pipe.push({ .kind = PipeItem::Kind::MonitorsConfig, .monitors = what });
            } else {
                m_pipe.push_command(what);
            }
        },
        event.what);
    if (m_pipe.size() > kMaxCommandPipeItems || m_pipe.command_bytes() > kMaxCommandPipeBytes) {
        LOG_DEBUG("spice", "display channel: the client fell behind; it gets a snapshot instead of %zu queued items", m_pipe.size());
        ++m_coalesced;
        queue_snapshot();
    }
}

bool DisplayChannelClient::produce()
{
    m_bandwidth.observe(BandwidthEstimate::Clock::now(), bytes_sent(), pending_output() > 0);
    if (m_pipe.empty())
        return false;
    auto& item = m_pipe.front();
    switch (item.kind) {
    case PipeItem::Kind::CreateSurface: {
        auto surface = item.surface;
        send(SPICE_MSG_DISPLAY_SURFACE_CREATE, [&](WireWriter& writer) { marshal_surface_create(writer, surface); });
        m_client_surfaces[surface.id] = surface;
        m_pipe.pop_front();
        return true;
    }
    case PipeItem::Kind::DestroySurface: {
        uint32_t id = item.surface.id;
        m_pipe.pop_front();
        if (!m_client_surfaces.erase(id))
            return true;
        send(SPICE_MSG_DISPLAY_SURFACE_DESTROY, [&](WireWriter& writer) { marshal_surface_destroy(writer, id); });
        return true;
    }
    case PipeItem::Kind::ScreenArea:
        send_screen_area(item);
        return true;
    case PipeItem::Kind::SurfacePixels:
        send_surface_pixels(item);
        return true;
    case PipeItem::Kind::Command: {
        auto command = item.command;
        m_pipe.pop_front();
        send_command(*command);
        return true;
    }
    case PipeItem::Kind::Mark:
        send_empty(SPICE_MSG_DISPLAY_MARK);
        m_pipe.pop_front();
        return true;
    case PipeItem::Kind::MonitorsConfig: {
        auto monitors = std::move(item.monitors);
        m_pipe.pop_front();
        send_monitors(monitors);
        return true;
    }
    }
    return false;
}

void DisplayChannelClient::send_monitors(const MonitorsConfig& monitors)
{
    send(SPICE_MSG_DISPLAY_MONITORS_CONFIG, [&](WireWriter& writer) { marshal_monitors_config(writer, monitors); });
}

void DisplayChannelClient::send_command(const DrawCommand& command)
{
    // The canvas drops a draw on a surface it does not have; so does the client.
    if (!client_has_surface(command.surface_id) || !ImagePlan::sources_present(*this, command))
        return;
    ImagePlan plan(*this, command);
    std::span<const uint64_t> evicted = plan.evicted();
    while (!evicted.empty()) {
        auto part = evicted.first(std::min(evicted.size(), kMaxInvalListIds));
        send(SPICE_MSG_DISPLAY_INVAL_LIST, [&](WireWriter& writer) { marshal_inval_list(writer, part); });
        evicted = evicted.subspan(part.size());
    }
    send(draw_message_type(command), [&](WireWriter& writer) { marshal_draw(writer, writer.size(), command, plan); });
    ++m_commands_sent;
}

// A DRAW_COPY that puts `area` of `pixels` at the same place on the surface: raw straight from the pixels, or
// through the image encoder (LZ4) from a copy of them.
void DisplayChannelClient::send_pixels(uint32_t surface_id, const Rect& area, const Framebuffer& pixels)
{
    uint64_t image_id = m_state.next_image_id++;
    ++m_draws_sent;
    if (!m_lz4 && !m_bandwidth.low()) {
        send(SPICE_MSG_DISPLAY_DRAW_COPY, [&](WireWriter& writer) { marshal_draw_copy_raw(writer, surface_id, area, image_id, pixels); });
        return;
    }
    auto width = uint32_t(area.width());
    auto height = uint32_t(area.height());
    Bitmap bitmap { .format = BitmapFormat::Xrgb8888, .width = width, .height = height, .stride = width * 4 };
    bitmap.pixels.resize(size_t(bitmap.stride) * height);
    for (uint32_t y = 0; y < height; ++y)
        std::memcpy(bitmap.pixels.data() + size_t(y) * bitmap.stride, pixels.row(uint32_t(area.top) + y) + area.left, bitmap.stride);
    DrawCommand copy { .surface_id = surface_id, .bbox = area,
        .operation = CopyOp { .source = Image { .id = image_id, .source = std::move(bitmap) }, .source_area = { 0, 0, int32_t(width), int32_t(height) } } };
    ImagePlan plan(*this, copy);
    send(SPICE_MSG_DISPLAY_DRAW_COPY, [&](WireWriter& writer) { marshal_draw(writer, writer.size(), copy, plan); });
}

// Sends the first band of rows of a snapshot surface's pixels, dropping the item once all is sent.
void DisplayChannelClient::send_surface_pixels(PipeItem& item)
{
    auto client = m_client_surfaces.find(item.surface.id);
    Rect area = item.area;
    if (client != m_client_surfaces.end()) {
        area.right = std::min<int32_t>(area.right, int32_t(std::min(client->second.width, item.pixels->width)));
        area.bottom = std::min<int32_t>(area.bottom, int32_t(std::min(client->second.height, item.pixels->height)));
    }
    if (client == m_client_surfaces.end() || area.empty()) {
        m_pipe.pop_front();
        return;
    }
    size_t row_bytes = size_t(area.width()) * 4;
    auto rows = int32_t(std::clamp<size_t>(kMaxDrawBytes / row_bytes, 1, size_t(area.height())));
    Rect band = area;
    band.bottom = area.top + rows;
    send_pixels(item.surface.id, band, *item.pixels);
    if (band.bottom < area.bottom)
        item.area.top = band.bottom;
    else
        m_pipe.pop_front();
}

// Sends the first band of rows of the screen draw at the front of the pipe, dropping it once all is sent.
void DisplayChannelClient::send_screen_area(PipeItem& item)
{
    Rect area = item.area;
    Rect bounds = screen_rect();
    auto primary = m_client_surfaces.find(kPrimarySurfaceId);
    if (primary != m_client_surfaces.end()) {
        bounds.right = std::min(bounds.right, int32_t(primary->second.width));
        bounds.bottom = std::min(bounds.bottom, int32_t(primary->second.height));
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
    send_pixels(kPrimarySurfaceId, band, m_state.screen);
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
            m_image_cache.set_capacity(uint64_t(std::max<int64_t>(init.pixmap_cache_size, 0)));
            mode_changed();
        }
        return {};
    }
    case SPICE_MSGC_DISPLAY_PREFERRED_COMPRESSION: {
        WireReader reader(body);
        auto preferred = TRY(reader.read<uint8_t>("PREFERRED_COMPRESSION"));
        // OFF asks for raw images; any other choice gets LZ4 where the client has it (the only codec here).
        m_lz4 = preferred != SPICE_IMAGE_COMPRESSION_OFF && link().channel_caps.has(SPICE_DISPLAY_CAP_LZ4_COMPRESSION);
        LOG_DEBUG("spice", "display channel: the client prefers compression %u: images go %s", preferred, m_lz4 ? "in LZ4" : "raw");
        return {};
    }
    case SPICE_MSGC_DISPLAY_STREAM_REPORT:
    case SPICE_MSGC_DISPLAY_GL_DRAW_DONE:
    case SPICE_MSGC_DISPLAY_PREFERRED_VIDEO_CODEC_TYPE:
        return {};
    default:
        LOG_DEBUG("spice", "display channel: message type %u ignored", type);
        return {};
    }
}

} // namespace spicebox
