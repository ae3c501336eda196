// The handoff of a display device's cursor commands from its worker thread to the server's loop thread,
// next to the draw commands' CommandStream: the worker posts each command (never waiting), the loop
// drains them when the eventfd says so. The stream also keeps the cursor as the commands leave it, which
// a client that connects later is given in its CURSOR_INIT. Commands beyond a bound while the loop lags
// are dropped and the consumer told to resend the current cursor instead (cursor commands only set
// state, so the current state replaces any run of them).
#pragma once

#include "base/result.h"
#include "spice-common/display_model.h"

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

namespace spicebox {

constexpr size_t kMaxQueuedCursorCommands = 256;

struct CursorState {
    Point position;
    bool visible { false };
    uint16_t trail_length { 0 };
    uint16_t trail_frequency { 0 };
    std::shared_ptr<const CursorShape> shape; // null: the guest never set one
};

// What a command does to the state: SET replaces shape, position and visibility; MOVE moves and shows
// the cursor (as spice-server does); HIDE hides it; TRAIL sets the trail; RESET starts over.
void apply_cursor_command(CursorState&, const CursorCommand&);

class CursorStream {
public:
    static Result<std::unique_ptr<CursorStream>> create();
    ~CursorStream();
    CursorStream(const CursorStream&) = delete;
    CursorStream& operator=(const CursorStream&) = delete;

    // The device's worker thread.
    void post(CursorCommand);

    // The consumer (the server's loop thread). Readable while commands are queued.
    int event_fd() const { return m_event_fd; }
    struct Batch {
        std::vector<CursorCommand> commands;
        bool overflowed { false }; // commands were dropped: resend the current state
    };
    Batch take();
    // The cursor as every command posted so far left it. Any thread.
    CursorState state() const;

private:
    explicit CursorStream(int event_fd) : m_event_fd(event_fd) { }

    int m_event_fd;
    mutable std::mutex m_mutex;
    CursorState m_state;
    std::vector<CursorCommand> m_queue;
    bool m_overflowed { false };
};

} // namespace spicebox
