// The display channel of one client. Two sources feed it:
// - the framebuffer (VGA, VBE, a QXL card in VGA mode): after DISPLAY_INIT the client gets the primary
//   surface, the whole screen and a MARK, then the rectangles that change as raw DRAW_COPYs whose pixels are
//   read from the server's current screen only when sent, so a late item is never stale;
// - draw commands (a QXL driver's): the client gets a snapshot of every surface (its pixels as one image
//   each, with the sequence number they include), then each later surface change and draw command as the
//   matching SPICE message, images through its pixmap cache.
// The pipe is bounded: a client that falls behind has its queued framebuffer draws coalesced into one
// full-screen draw, or its queued commands replaced by a fresh snapshot; the guest and the other clients
// never wait for it.
#pragma once

#include "spice-common/framebuffer.h"
#include "spice-server/bandwidth_estimate.h"
#include "spice-server/channel_client.h"
#include "spice-server/command_stream.h"
#include "spice-server/display_pipe.h"
#include "spice-server/image_cache.h"

#include <map>
#include <optional>

namespace spicebox {

// spice-server's display channel receive limit.
constexpr size_t kDisplayMaxMessageBytes = 1024;
// Larger images are split into bands of rows (the first frame of any screen up to 2048x2048 fits one).
constexpr size_t kMaxDrawBytes = 16 * 1024 * 1024;
// Queued framebuffer items beyond which a client's pending draws are coalesced into one full-screen draw.
constexpr size_t kMaxPipeItems = 64;
// Queued items, or bytes of queued draw commands, beyond which a command client is resynchronised from a
// snapshot instead (a stalled client must not hold the guest's images without bound).
constexpr size_t kMaxCommandPipeItems = 1024;
constexpr size_t kMaxCommandPipeBytes = 64 * 1024 * 1024;
constexpr uint32_t kDisplayAckWindow = 20;

// What all display clients share: the server's copy of the framebuffer screen, the command source (null
// without one) and whether the command source or the framebuffer shows the screen now.
struct DisplayState {
    Framebuffer screen;
    uint64_t next_image_id { 1 };
    CommandStream* commands { nullptr };
    std::optional<uint32_t> command_primary; // the command source's primary surface, as its events tell
    bool command_mode { false };
};

class DisplayChannelClient final : public ChannelClient {
public:
    DisplayChannelClient(std::unique_ptr<SocketStream>, LinkRequest, DisplayState&);
    ~DisplayChannelClient() override;

    Result<void> start() override;
    bool initialized() const { return m_initialized; }

    // Framebuffer mode: the screen changed size (0x0: no picture): the surface is re-created and redrawn.
    void screen_resized();
    // Framebuffer mode: these areas of the screen changed.
    void screen_updated(std::span<const Rect>);

    // The display state's mode changed: the client is brought to the new source's picture.
    void mode_changed();
    // Command mode: one event from the command stream (ignored when the client's snapshot includes it).
    void display_event(const DisplayEvent&);
    // Command mode: events were lost; the client is brought up to date from a snapshot.
    void resynchronise();

    size_t queued_items() const { return m_pipe.size(); }
    // Counts of what this client was sent, for logs and tests.
    uint64_t draws_sent() const { return m_draws_sent; }
    uint64_t commands_sent() const { return m_commands_sent; }
    uint64_t coalesced_updates() const { return m_coalesced; }
    uint64_t dropped_by_occlusion() const { return m_pipe.dropped_by_occlusion(); }

private:
    class ImagePlan;

    Result<void> handle_message(uint16_t type, std::span<const uint8_t> body) override;
    bool produce() override;
    void send_screen_area(PipeItem&);
    void send_surface_pixels(PipeItem&);
    void send_command(const DrawCommand&);
    void send_monitors(const MonitorsConfig&);
    void send_pixels(uint32_t surface_id, const Rect& area, const Framebuffer& pixels);
    void queue_full_redraw();
    void queue_snapshot();
    // Queues destruction of every surface the client has (or will have, once the pipe is sent).
    void queue_destroy_all();
    Rect screen_rect() const;
    bool client_has_surface(uint32_t id) const { return m_client_surfaces.contains(id); }

    DisplayState& m_state;
    bool m_initialized { false };
    bool m_command_mode { false };
    DisplayPipe m_pipe;
    // The surfaces as the client has them (what was sent).
    std::map<uint32_t, SurfaceInfo> m_client_surfaces;
    // Command mode: events up to this one are in what the client was given.
    uint64_t m_synced_sequence { 0 };
    ImageCache m_image_cache;
    // Bitmaps go in LZ4 (the client has the cap and did not ask for raw images).
    bool m_lz4 { false };
    BandwidthEstimate m_bandwidth;
    uint64_t m_draws_sent { 0 };
    uint64_t m_commands_sent { 0 };
    uint64_t m_snapshots { 0 };
    uint64_t m_coalesced { 0 };
    uint64_t m_cached_images_sent { 0 };
    uint64_t m_lz4_images_sent { 0 };
    uint64_t m_jpeg_images_sent { 0 };
};

} // namespace spicebox
