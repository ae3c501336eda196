// The spicebox window: a SPICE session shown and driven through SDL. The title names the guest (or the
// server) and says whether input is captured; closing the window ends it. Main thread only (SDL wants
// the thread that initialised it).
#pragma once

#include "base/result.h"
#include "spice-client-sdl/client_session.h"

#include <SDL.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace spicebox {

class SdlInput;
class SdlRenderer;

// How long one turn of the loop waits for the server before looking at the window's events again: the
// longest delay between a host event and its handling.
constexpr auto kWindowPollInterval = std::chrono::milliseconds(5);
// The window appears when the guest's screen does, or empty after this long without one.
constexpr auto kShowEmptyWindowAfter = std::chrono::seconds(1);

// True when the environment names a display ($DISPLAY or $WAYLAND_DISPLAY set and not empty).
bool display_announced();

class SdlWindow {
public:
    // Opens the window (empty until the session has a screen). `name` goes in the title; empty: the
    // session's own title(). An Error when there is no display to open it on.
    static Result<std::unique_ptr<SdlWindow>> open(std::string name);
    ~SdlWindow();
    SdlWindow(const SdlWindow&) = delete;
    SdlWindow& operator=(const SdlWindow&) = delete;

    enum class Ended {
        Closed,  // the user closed the window
        Stopped, // keep_running said no (the machine behind it stopped)
    };
    // Shows `session` until one of the above happens; an Error when the session failed or ended.
    // `keep_running` is asked on every turn of the loop.
    Result<Ended> run(ClientSession&, const std::function<bool()>& keep_running);

private:
    explicit SdlWindow(std::unique_ptr<SdlRenderer>, std::string name);
    void update_title(const ClientSession&);
    void update_host_cursor(const ClientSession&);

    std::unique_ptr<SdlRenderer> m_renderer;
    std::unique_ptr<SdlInput> m_input;
    std::string m_name;
    std::string m_title;
    SDL_Cursor* m_host_cursor { nullptr };
    uint64_t m_host_cursor_generation { 0 };
    bool m_host_cursor_shown { true };
};

} // namespace spicebox
