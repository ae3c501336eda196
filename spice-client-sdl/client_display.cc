#include "spice-client-sdl/client_display.h"

#include "base/log.h"
#include "spice-client-sdl/client_link.h"
#include "spice-common/bitmap_image.h"
#include "spice-common/draw_demarshaller.h"
#include "spice-common/jpeg_codec.h"
#include "spice-common/wire_writer.h"

#include <spice/enums.h>
#include <spice/protocol.h>

#include <algorithm>
#include <cstring>
#include <string>

namespace spicebox {

namespace {

// All surfaces together may not take more host memory than this (the window's copy of the primary
// comes on top): room for a 16384x4096 primary, or four 4K heads with their off-screen surfaces.
constexpr uint64_t kMaxSurfaceBytes = 256ull << 20;
constexpr uint16_t kMaxMonitors = 256;

Result<SurfaceFormat> surface_format(uint32_t wire)
{
    switch (wire) {
    case SPICE_SURFACE_FMT_1_A:
    case SPICE_SURFACE_FMT_8_A:
    case SPICE_SURFACE_FMT_16_555:
    case SPICE_SURFACE_FMT_16_565:
    case SPICE_SURFACE_FMT_32_xRGB:
    case SPICE_SURFACE_FMT_32_ARGB:
        return SurfaceFormat(wire);
    }
    return Error { "unknown surface format " + std::to_string(wire) };
}

} // namespace

ClientDisplay::ClientDisplay(Now now)
    : m_now(std::move(now))
    , m_images(kPixmapCachePixels, kGlzWindowPixels)
{
}

std::vector<uint32_t> ClientDisplay::channel_caps(bool offer_lz4)
{
    return { (1u << SPICE_DISPLAY_CAP_SIZED_STREAM) | (1u << SPICE_DISPLAY_CAP_MONITORS_CONFIG)
        | (1u << SPICE_DISPLAY_CAP_A8_SURFACE) | (offer_lz4 ? 1u << SPICE_DISPLAY_CAP_LZ4_COMPRESSION : 0u)
        | (1u << SPICE_DISPLAY_CAP_MULTI_CODEC) | (1u << SPICE_DISPLAY_CAP_CODEC_MJPEG) };
}

std::optional<std::vector<uint8_t>> ClientDisplay::preferred_compression_message(std::span<const uint32_t> server_caps,
    SpiceImageCompression preferred)
{
    if (!has_cap(server_caps, SPICE_DISPLAY_CAP_PREF_COMPRESSION))
        return std::nullopt;
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u8(uint8_t(preferred));
    return body;
}

std::vector<uint8_t> ClientDisplay::init_message()
{
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u8(kPixmapCacheId);
    writer.put(int64_t(kPixmapCachePixels));
    writer.put_u8(kGlzDictionaryId);
    writer.put_i32(int32_t(kGlzWindowPixels));
    return body;
}

void ClientDisplay::touched(uint32_t surface_id, const Rect& area)
{
    if (m_canvas.primary_surface() != surface_id)
        return;
    m_screen_dirty = true;
    m_primary_drawn = true;
    // In 64 bits: a server's bounding box may span the whole int32 range.
    uint64_t pixels = area.empty() ? 0 : uint64_t(int64_t(area.right) - area.left) * uint64_t(int64_t(area.bottom) - area.top);
    auto found = m_surface_bytes.find(surface_id);
    // Surface bytes are at least its pixel count: the threshold errs towards "major".
    if (found != m_surface_bytes.end() && pixels * kSmallDrawDivisor > found->second / 4)
        ++m_major_generation;
}

void ClientDisplay::refresh_screen()
{
    if (!m_screen_dirty)
        return;
    m_screen_dirty = false;
    ++m_generation;
    auto primary = m_canvas.primary_surface();
    if (!primary) {
        m_screen = Framebuffer {};
        return;
    }
    if (auto read = m_canvas.read_surface(*primary, m_screen); !read)
        LOG_WARN("spice-client", "reading the primary surface: %s", read.error().message.c_str());
}

Result<void> ClientDisplay::create_surface(WireReader& reader)
{
    SurfaceCreate create;
    create.surface_id = TRY(reader.read<uint32_t>("SURFACE_CREATE"));
    create.width = TRY(reader.read<uint32_t>("SURFACE_CREATE"));
    create.height = TRY(reader.read<uint32_t>("SURFACE_CREATE"));
    create.format = TRY(surface_format(TRY(reader.read<uint32_t>("SURFACE_CREATE"))));
    auto flags = TRY(reader.read<uint32_t>("SURFACE_CREATE"));
    create.primary = (flags & SPICE_SURFACE_FLAGS_PRIMARY) != 0;
    if (create.width == 0 || create.height == 0 || create.width > max_raster_dimension || create.height > max_raster_dimension)
        return Error { "surface " + std::to_string(create.surface_id) + " of " + std::to_string(create.width) + "x"
            + std::to_string(create.height) };
    // The canvas keeps host surfaces at 4-byte aligned rows.
    create.stride = int32_t((uint64_t(create.width) * bits_per_pixel(create.format) + 31) / 32 * 4);
    uint64_t bytes = uint64_t(create.stride) * create.height;
    TRY(destroy_surface(create.surface_id));
    if (m_total_surface_bytes + bytes > kMaxSurfaceBytes)
        return Error { "the server's surfaces would take more than " + std::to_string(kMaxSurfaceBytes >> 20) + " MiB" };
    TRY(m_canvas.create_surface(create));
    m_surface_bytes[create.surface_id] = bytes;
    m_total_surface_bytes += bytes;
    if (create.primary) {
        ++m_major_generation;
        m_marked = false;
        m_primary_drawn = false;
        m_screen_dirty = true;
    }
    return {};
}

Result<void> ClientDisplay::destroy_surface(uint32_t surface_id)
{
    auto found = m_surface_bytes.find(surface_id);
    if (found == m_surface_bytes.end())
        return {};
    bool was_primary = m_canvas.primary_surface() == surface_id;
    for (auto& stream : m_streams) {
        if (stream && stream->surface_id == surface_id)
            drop_pending(*stream);
    }
    m_total_surface_bytes -= found->second;
    m_surface_bytes.erase(found);
    m_canvas.destroy_surface(surface_id);
    if (was_primary)
        m_screen_dirty = true;
    return {};
}

void ClientDisplay::reset()
{
    m_canvas.destroy_all_surfaces();
    m_surface_bytes.clear();
    m_total_surface_bytes = 0;
    m_images.invalidate_all_palettes();
    for (auto& stream : m_streams)
        stream.reset();
    m_pending_frames = 0;
    m_pending_bytes = 0;
    m_marked = false;
    m_primary_drawn = false;
    m_screen_dirty = true;
    ++m_major_generation;
}

Result<void> ClientDisplay::draw(DrawCommand command)
{
    if (!m_canvas.has_surface(command.surface_id))
        return Error { "drawing on surface " + std::to_string(command.surface_id) + ", which does not exist" };
    auto surface_id = command.surface_id;
    LOG_DEBUG("spice-client", "draw on surface %u at %d,%d-%d,%d", surface_id, command.bbox.left, command.bbox.top,
        command.bbox.right, command.bbox.bottom);
    m_canvas.draw(command);
    touched(surface_id, command.bbox);
    return {};
}

Result<void> ClientDisplay::create_stream(WireReader& reader)
{
    Stream stream;
    stream.surface_id = TRY(reader.read<uint32_t>("STREAM_CREATE"));
    auto id = TRY(reader.read<uint32_t>("STREAM_CREATE"));
    auto flags = TRY(reader.read<uint8_t>("STREAM_CREATE"));
    auto codec = TRY(reader.read<uint8_t>("STREAM_CREATE"));
    TRY(reader.skip(8 + 4 * 4, "STREAM_CREATE")); // stamp, stream and source sizes: the frames carry theirs
    stream.dest = TRY(read_wire_rect(reader));
    stream.clip = TRY(read_wire_clip(reader));
    stream.top_down = (flags & SPICE_STREAM_FLAGS_TOP_DOWN) != 0;
    if (id >= m_streams.size())
        return Error { "stream id " + std::to_string(id) + " out of range" };
    if (codec != SPICE_VIDEO_CODEC_TYPE_MJPEG)
        return Error { "stream " + std::to_string(id) + " uses codec " + std::to_string(codec) + ", which we did not offer" };
    if (!m_canvas.has_surface(stream.surface_id))
        return Error { "stream on surface " + std::to_string(stream.surface_id) + ", which does not exist" };
    if (m_streams[id])
        TRY(flush_stream(*m_streams[id]));
    m_streams[id] = std::move(stream);
    return {};
}

Result<ClientDisplay::Stream*> ClientDisplay::find_stream(uint32_t id)
{
    if (id >= m_streams.size() || !m_streams[id])
        return Error { "stream " + std::to_string(id) + " does not exist" };
    return &*m_streams[id];
}

// A frame is decoded when it arrives, so a bad one is the message's error, and waits until the
// server's clock reaches its time. Late frames, and all frames before the server has told us its
// time, are drawn at once; a stream's frames are drawn in the order they came.
Result<void> ClientDisplay::stream_frame(uint32_t id, uint32_t mm_time, std::optional<Rect> dest, std::span<const uint8_t> frame)
{
    auto* stream = TRY(find_stream(id));
    if (!m_canvas.has_surface(stream->surface_id))
        return Error { "a frame for stream " + std::to_string(id) + " on surface " + std::to_string(stream->surface_id)
            + ", which does not exist" };
    if (dest)
        stream->dest = *dest;
    auto bitmap = TRY(decode_jpeg(frame));
    if (!stream->top_down) {
        std::vector<uint8_t> flipped(bitmap.pixels.size());
        for (uint32_t y = 0; y < bitmap.height; ++y)
            std::memcpy(flipped.data() + size_t(y) * bitmap.stride, bitmap.pixels.data() + size_t(bitmap.height - 1 - y) * bitmap.stride,
                bitmap.stride);
        bitmap.pixels = std::move(flipped);
    }
    auto now = m_now();
    auto wait = std::clamp(m_clock.until(mm_time, now).value_or(std::chrono::milliseconds(0)), std::chrono::milliseconds(0), kMaxFrameWait);
    LOG_DEBUG("spice-client", "stream %u: frame for %u waits %lld ms", id, mm_time, static_cast<long long>(wait.count()));
    Frame pending { now + wait, stream->dest, std::move(bitmap) };
    if (!stream->pending.empty())
        pending.due = std::max(pending.due, stream->pending.back().due);
    m_pending_bytes += pending.bitmap.pixels.size();
    ++m_pending_frames;
    stream->pending.push_back(std::move(pending));
    while ((m_pending_frames > kMaxPendingFrames || m_pending_bytes > kMaxPendingFrameBytes) && !stream->pending.empty()) {
        auto oldest = std::move(stream->pending.front());
        stream->pending.pop_front();
        TRY(draw_frame(*stream, std::move(oldest)));
    }
    for (auto& other : m_streams) {
        if (other && (m_pending_frames > kMaxPendingFrames || m_pending_bytes > kMaxPendingFrameBytes))
            TRY(flush_stream(*other));
    }
    return present_due_frames();
}

// The frame has left its stream's queue.
Result<void> ClientDisplay::draw_frame(Stream& stream, Frame frame)
{
    --m_pending_frames;
    m_pending_bytes -= frame.bitmap.pixels.size();
    DrawCommand command;
    command.surface_id = stream.surface_id;
    command.bbox = frame.dest;
    command.clip = stream.clip;
    Rect source { 0, 0, int32_t(frame.bitmap.width), int32_t(frame.bitmap.height) };
    Image image;
    image.source = std::move(frame.bitmap);
    command.operation = CopyOp { std::move(image), source, SPICE_ROPD_OP_PUT, ScaleMode::Interpolate, std::nullopt };
    return draw(std::move(command));
}

Result<void> ClientDisplay::flush_stream(Stream& stream)
{
    while (!stream.pending.empty()) {
        auto frame = std::move(stream.pending.front());
        stream.pending.pop_front();
        TRY(draw_frame(stream, std::move(frame)));
    }
    return {};
}

void ClientDisplay::drop_pending(Stream& stream)
{
    for (const auto& frame : stream.pending)
        m_pending_bytes -= frame.bitmap.pixels.size();
    m_pending_frames -= stream.pending.size();
    stream.pending.clear();
}

Result<void> ClientDisplay::present_due_frames()
{
    if (m_pending_frames == 0)
        return {};
    auto now = m_now();
    for (auto& stream : m_streams) {
        while (stream && !stream->pending.empty() && stream->pending.front().due <= now) {
            auto frame = std::move(stream->pending.front());
            stream->pending.pop_front();
            TRY(draw_frame(*stream, std::move(frame)));
        }
    }
    return {};
}

std::optional<ClientDisplay::TimePoint> ClientDisplay::next_frame_due() const
{
    std::optional<TimePoint> next;
    for (const auto& stream : m_streams) {
        if (stream && !stream->pending.empty() && (!next || stream->pending.front().due < *next))
            next = stream->pending.front().due;
    }
    return next;
}

Result<void> ClientDisplay::handle(const ChannelMessage& message)
{
    std::span<const uint8_t> body = message.body;
    WireReader reader(body);
    if (is_draw_message(message.type))
        return draw(TRY(parse_draw_message(message.type, body, m_images)));
    switch (message.type) {
    case SPICE_MSG_DISPLAY_MODE: {
        SurfaceCreate create;
        create.width = TRY(reader.read<uint32_t>("MODE"));
        create.height = TRY(reader.read<uint32_t>("MODE"));
        std::vector<uint8_t> surface;
        WireWriter writer(surface);
        writer.put_u32(0);
        writer.put_u32(create.width);
        writer.put_u32(create.height);
        writer.put_u32(SPICE_SURFACE_FMT_32_xRGB);
        writer.put_u32(SPICE_SURFACE_FLAGS_PRIMARY);
        WireReader surface_reader(surface);
        return create_surface(surface_reader);
    }
    case SPICE_MSG_DISPLAY_MARK:
        m_marked = true;
        m_screen_dirty = true;
        return {};
    case SPICE_MSG_DISPLAY_RESET:
        reset();
        return {};
    case SPICE_MSG_DISPLAY_INVAL_LIST: {
        auto count = TRY(reader.read<uint16_t>("INVAL_LIST"));
        for (uint16_t i = 0; i < count; ++i) {
            auto type = TRY(reader.read<uint8_t>("INVAL_LIST"));
            auto id = TRY(reader.read<uint64_t>("INVAL_LIST"));
            if (type == SPICE_RES_TYPE_PIXMAP)
                m_images.invalidate_pixmap(id);
        }
        return {};
    }
    case SPICE_MSG_DISPLAY_INVAL_ALL_PIXMAPS:
        m_images.invalidate_all_pixmaps();
        return {};
    case SPICE_MSG_DISPLAY_INVAL_PALETTE:
        m_images.invalidate_palette(TRY(reader.read<uint64_t>("INVAL_PALETTE")));
        return {};
    case SPICE_MSG_DISPLAY_INVAL_ALL_PALETTES:
        m_images.invalidate_all_palettes();
        return {};
    case SPICE_MSG_DISPLAY_SURFACE_CREATE:
        return create_surface(reader);
    case SPICE_MSG_DISPLAY_SURFACE_DESTROY:
        return destroy_surface(TRY(reader.read<uint32_t>("SURFACE_DESTROY")));
    case SPICE_MSG_DISPLAY_STREAM_CREATE:
        return create_stream(reader);
    case SPICE_MSG_DISPLAY_STREAM_DATA: {
        auto id = TRY(reader.read<uint32_t>("STREAM_DATA"));
        auto mm_time = TRY(reader.read<uint32_t>("STREAM_DATA"));
        auto size = TRY(reader.read<uint32_t>("STREAM_DATA"));
        return stream_frame(id, mm_time, std::nullopt, TRY(reader.read_bytes(size, "STREAM_DATA")));
    }
    case SPICE_MSG_DISPLAY_STREAM_DATA_SIZED: {
        auto id = TRY(reader.read<uint32_t>("STREAM_DATA_SIZED"));
        auto mm_time = TRY(reader.read<uint32_t>("STREAM_DATA_SIZED"));
        TRY(reader.skip(4 + 4, "STREAM_DATA_SIZED")); // the frame's size: the JPEG carries it
        auto dest = TRY(read_wire_rect(reader));
        auto size = TRY(reader.read<uint32_t>("STREAM_DATA_SIZED"));
        return stream_frame(id, mm_time, dest, TRY(reader.read_bytes(size, "STREAM_DATA_SIZED")));
    }
    case SPICE_MSG_DISPLAY_STREAM_CLIP: {
        auto* stream = TRY(find_stream(TRY(reader.read<uint32_t>("STREAM_CLIP"))));
        auto clip = TRY(read_wire_clip(reader));
        // The frames already sent were clipped by the old clip.
        TRY(flush_stream(*stream));
        stream->clip = std::move(clip);
        return {};
    }
    case SPICE_MSG_DISPLAY_STREAM_DESTROY: {
        auto id = TRY(reader.read<uint32_t>("STREAM_DESTROY"));
        TRY(flush_stream(*TRY(find_stream(id))));
        m_streams[id].reset();
        return {};
    }
    case SPICE_MSG_DISPLAY_STREAM_DESTROY_ALL:
        for (auto& stream : m_streams) {
            if (stream)
                TRY(flush_stream(*stream));
            stream.reset();
        }
        return {};
    case SPICE_MSG_DISPLAY_MONITORS_CONFIG: {
        auto count = TRY(reader.read<uint16_t>("MONITORS_CONFIG"));
        TRY(reader.read<uint16_t>("MONITORS_CONFIG")); // max allowed
        if (count > kMaxMonitors)
            return Error { "MONITORS_CONFIG with " + std::to_string(count) + " heads" };
        TRY(reader.skip(size_t(count) * 7 * 4, "MONITORS_CONFIG"));
        m_monitor_count = count;
        return {};
    }
    // STREAM_ACTIVATE_REPORT comes only to clients with SPICE_DISPLAY_CAP_STREAM_REPORT, which we do
    // not announce: the server then keeps its default latency budget.
    case SPICE_MSG_DISPLAY_STREAM_ACTIVATE_REPORT:
    case SPICE_MSG_DISPLAY_QUALITY_INDICATOR:
        return {};
    }
    LOG_DEBUG("spice-client", "display channel: ignoring message %u", message.type);
    return {};
}

} // namespace spicebox
