// The window's keyboard and mouse, as a SPICE client sends them. Keys go to the guest while the window
// has the keyboard focus, as PC set-1 scan codes. In server mouse mode the pointer is the guest's: a click
// captures it (SDL relative mode: motion is sent as deltas and the host pointer stays in the window) until
// Ctrl+Alt+G releases it. In client mouse mode the host pointer is the guest's: positions are sent as the
// guest pixel under it, with no capture. Main thread only.
#pragma once

#include "spice-client-sdl/client_session.h"
#include "spice-client-sdl/sdl_viewport.h"

#include <SDL.h>

#include <set>

namespace spicebox {

// The key that, with Ctrl and Alt held, releases captured input.
constexpr SDL_Scancode kReleaseKey = SDL_SCANCODE_G;

class SdlInput {
public:
    explicit SdlInput(SDL_Window* window) : m_window(window) { }

    // Handles a keyboard, mouse or focus event for the window; `viewport` and the screen size map
    // window points to guest pixels.
    void handle(const SDL_Event&, ClientSession&, const Viewport& viewport, uint32_t screen_width, uint32_t screen_height);
    // Lets the host pointer go and sends a release for every key and button the guest still sees held
    // (when the window loses the focus: the key ups would go to another window).
    void release_all(ClientSession&);

    bool captured() const { return m_captured; }

private:
    void key(const SDL_KeyboardEvent&, ClientSession&);
    void button(const SDL_MouseButtonEvent&, ClientSession&, const Viewport&, uint32_t screen_width, uint32_t screen_height);
    void wheel(const SDL_MouseWheelEvent&, ClientSession&);
    void set_captured(bool);

    SDL_Window* m_window;
    bool m_captured { false };
    uint32_t m_buttons { 0 }; // SPICE_MOUSE_BUTTON_MASK_* bits held
    std::set<uint32_t> m_held_keys;
    // The release key went down as a hot key: its up must not reach the guest either.
    bool m_swallow_release_key { false };
};

} // namespace spicebox
