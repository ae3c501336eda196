// The handoff from a display device's worker thread to the server's loop thread (DESIGN.md "Threads"):
// a DisplaySink that renders each command into the canvas (so screenshots and late joiners see the
// current screen) and then posts it, numbered, to a queue the loop drains when an eventfd says so.
//
// The worker never waits for the server or a client: the queue is bounded, and when the loop falls that
// far behind the queued events are dropped and the consumer is told to resynchronise its clients from a
// snapshot. A snapshot is the surfaces' pixels read under the same lock the commands render under, with
// the sequence number of the last event they include, so a client given one applies only later events
// and nothing twice (XOR ROPs are not idempotent).
#pragma once

#include "base/result.h"
#include "spice-common/canvas_sink.h"
#include "spice-common/display_sink.h"
#include "spice-server/cursor_stream.h"

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <variant>
#include <vector>

namespace spicebox {

struct SurfaceInfo {
    uint32_t id { 0 };
    uint32_t width { 0 };
    uint32_t height { 0 };
    SurfaceFormat format { SurfaceFormat::Xrgb8888 };
    bool primary { false };
    bool operator==(const SurfaceInfo&) const = default;
};

struct SurfaceDestroyed {
    uint32_t id { 0 };
};

struct DisplayEvent {
    uint64_t sequence { 0 };
    std::variant<SurfaceInfo, SurfaceDestroyed, std::shared_ptr<const DrawCommand>, MonitorsConfig> what;
};

struct DisplaySnapshot {
    struct Surface {
        SurfaceInfo info;
        std::shared_ptr<const Framebuffer> pixels; // 0x00RRGGBB
    };
    uint64_t sequence { 0 }; // the last event the pixels include
    std::vector<Surface> surfaces;
    MonitorsConfig monitors;
};

// Events beyond this many, or draw commands holding more than this many bytes, queued make the consumer
// resynchronise instead.
constexpr size_t kMaxQueuedDisplayEvents = 4096;
constexpr size_t kMaxQueuedDisplayBytes = 256 * 1024 * 1024;

class CommandStream final : public DisplaySink {
public:
    // Renders into `renderer`, which must outlive the stream.
    static Result<std::unique_ptr<CommandStream>> create(CanvasSink& renderer);
    ~CommandStream() override;
    CommandStream(const CommandStream&) = delete;
    CommandStream& operator=(const CommandStream&) = delete;

    // |DisplaySink|, called by the device's worker.
    void create_surface(const SurfaceCreate&) override;
    void destroy_surface(uint32_t surface_id) override;
    void draw(DrawCommand) override;
    void cursor(CursorCommand) override;
    void monitors_config(MonitorsConfig) override;
    void update_area(uint32_t surface_id, const Rect& area) override;
    // Also hands every cursor command to `cursors` (they travel apart: see cursor_stream.h). Set before the
    // device runs; `cursors` must outlive the stream.
    void forward_cursor(CursorStream& cursors) { m_cursors = &cursors; }

    // The consumer's side (the server's loop thread). Events are queued only while posting is on.
    void set_posting(bool enabled);
    // Readable while events are queued or a resynchronisation is due.
    int event_fd() const { return m_event_fd; }
    struct Batch {
        std::vector<DisplayEvent> events;
        bool overflowed { false }; // events were dropped: resynchronise every client
    };
    Batch take_events();
    DisplaySnapshot snapshot() const;

private:
    CommandStream(CanvasSink&, int event_fd);
    // Called with m_mutex held.
    void post_locked(decltype(DisplayEvent::what), size_t bytes = 0);

    CanvasSink& m_renderer;
    CursorStream* m_cursors { nullptr };
    int m_event_fd;
    mutable std::mutex m_mutex; // everything below, and the order of rendering and numbering
    bool m_posting { false };
    uint64_t m_sequence { 0 };
    std::map<uint32_t, SurfaceInfo> m_surfaces;
    MonitorsConfig m_monitors;
    // The guest has sent a monitors config: a new primary waits for the guest's next one.
    bool m_guest_monitors { false };
    std::deque<DisplayEvent> m_queue;
    size_t m_queued_bytes { 0 };
    bool m_overflowed { false };
};

} // namespace spicebox
