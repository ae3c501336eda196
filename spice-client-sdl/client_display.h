// The display channel's state on the client: surfaces rendered by spice-common's canvas, every
// drawing message, images through the ImageStore's caches and codecs, MJPEG video streams drawn at
// their destination when the server's clock reaches each frame's time, MARK / RESET, and the primary
// surface kept as a Framebuffer for the window.
#pragma once

#include "spice-client-sdl/channel_connection.h"
#include "spice-client-sdl/image_store.h"
#include "spice-client-sdl/media_clock.h"
#include "spice-common/canvas.h"

#include <spice/enums.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace spicebox {

class ClientDisplay {
public:
    // What DISPLAY_INIT announces: the pixmap cache and GLZ window, in pixels.
    static constexpr uint64_t kPixmapCachePixels = 20u << 20;
    static constexpr uint32_t kGlzWindowPixels = 3u << 20;
    static constexpr uint8_t kPixmapCacheId = 1;
    static constexpr uint8_t kGlzDictionaryId = 1;

    using TimePoint = std::chrono::steady_clock::time_point;
    using Now = std::function<TimePoint()>;

    // A video frame waits for its time at most this long, so a frame stamped far ahead (a server
    // clock reset) cannot freeze its stream.
    static constexpr std::chrono::milliseconds kMaxFrameWait { 1000 };
    // Frames waiting for their time, decoded, in all streams together; beyond either the oldest are
    // drawn at once.
    static constexpr uint64_t kMaxPendingFrameBytes = 64u << 20;
    static constexpr size_t kMaxPendingFrames = 256;

    explicit ClientDisplay(Now now = std::chrono::steady_clock::now);

    // The display capabilities we send in the link; without LZ4 a server can only send raw images or
    // the codecs every client takes (bench/ measures the bytes per client capability).
    static std::vector<uint32_t> channel_caps(bool offer_lz4 = true);
    // The DISPLAY_INIT body.
    static std::vector<uint8_t> init_message();
    // The PREFERRED_COMPRESSION body asking for `preferred`, sent after DISPLAY_INIT; nothing when the
    // server's display channel (its link caps) does not take the message.
    static std::optional<std::vector<uint8_t>> preferred_compression_message(std::span<const uint32_t> server_caps,
        SpiceImageCompression preferred);

    Result<void> handle(const ChannelMessage&);
    // The server's multimedia time from the main channel (MAIN_INIT, MAIN_MULTI_MEDIA_TIME).
    void set_multi_media_time(uint32_t server_time) { m_clock.set(server_time, m_now()); }
    // Draws the video frames whose time has come.
    Result<void> present_due_frames();
    // When the next waiting frame comes due, if one waits: what the session's wait is bounded by.
    std::optional<TimePoint> next_frame_due() const;
    size_t pending_frames() const { return m_pending_frames; }

    // Copies the primary into screen() if drawing changed it since the last call.
    void refresh_screen();
    const Framebuffer& screen() const { return m_screen; }
    uint64_t generation() const { return m_generation; }
    // Bumps when the primary is created or a draw covers more than 1/kSmallDrawDivisor of it: a
    // blinking text cursor or a ticking clock does not, so a screenshot can tell a settled screen.
    uint64_t major_generation() const { return m_major_generation; }
    static constexpr uint64_t kSmallDrawDivisor = 1000;
    bool frame_complete() const { return m_canvas.primary_surface().has_value() && m_marked; }
    // A primary exists and something was drawn on it since it was created.
    bool primary_drawn() const { return m_canvas.primary_surface().has_value() && m_primary_drawn; }
    size_t monitor_count() const { return m_monitor_count; }

private:
    struct Frame {
        TimePoint due;
        Rect dest;
        Bitmap bitmap; // top-down
    };
    struct Stream {
        uint32_t surface_id { 0 };
        bool top_down { false };
        Rect dest;
        std::optional<std::vector<Rect>> clip;
        std::deque<Frame> pending;
    };

    Result<void> create_surface(WireReader&);
    Result<void> destroy_surface(uint32_t surface_id);
    Result<void> draw(DrawCommand);
    Result<void> create_stream(WireReader&);
    Result<void> stream_frame(uint32_t id, uint32_t mm_time, std::optional<Rect> dest, std::span<const uint8_t> frame);
    Result<void> draw_frame(Stream&, Frame);
    // Draws the stream's waiting frames now (before its clip changes or it ends).
    Result<void> flush_stream(Stream&);
    void drop_pending(Stream&);
    Result<Stream*> find_stream(uint32_t id);
    void reset();
    void touched(uint32_t surface_id, const Rect& area);

    Now m_now;
    MediaClock m_clock;
    Canvas m_canvas;
    ImageStore m_images;
    std::array<std::optional<Stream>, 64> m_streams;
    size_t m_pending_frames { 0 };
    uint64_t m_pending_bytes { 0 };
    std::map<uint32_t, uint64_t> m_surface_bytes;
    uint64_t m_total_surface_bytes { 0 };
    Framebuffer m_screen;
    bool m_screen_dirty { false };
    uint64_t m_generation { 0 };
    uint64_t m_major_generation { 0 };
    bool m_marked { false };
    bool m_primary_drawn { false };
    size_t m_monitor_count { 0 };
};

} // namespace spicebox
