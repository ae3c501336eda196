#include "spice-client-sdl/sdl_input.h"

#include "spice-client-sdl/sdl_scancodes.h"

#include <spice/enums.h>

#include <algorithm>
#include <cstdlib>

namespace spicebox {

namespace {

// More notches in one event than a wheel turns in one go are a bogus event; a few are enough.
constexpr int kMaxWheelNotches = 16;

struct ButtonMapping {
    uint8_t sdl;
    uint8_t spice;
    uint32_t mask;
};

constexpr ButtonMapping kButtons[] = {
    { SDL_BUTTON_LEFT, SPICE_MOUSE_BUTTON_LEFT, SPICE_MOUSE_BUTTON_MASK_LEFT },
    { SDL_BUTTON_MIDDLE, SPICE_MOUSE_BUTTON_MIDDLE, SPICE_MOUSE_BUTTON_MASK_MIDDLE },
    { SDL_BUTTON_RIGHT, SPICE_MOUSE_BUTTON_RIGHT, SPICE_MOUSE_BUTTON_MASK_RIGHT },
    { SDL_BUTTON_X1, SPICE_MOUSE_BUTTON_SIDE, SPICE_MOUSE_BUTTON_MASK_SIDE },
    { SDL_BUTTON_X2, SPICE_MOUSE_BUTTON_EXTRA, SPICE_MOUSE_BUTTON_MASK_EXTRA },
};

const ButtonMapping* find_button(uint8_t sdl_button)
{
    for (auto& mapping : kButtons) {
        if (mapping.sdl == sdl_button)
            return &mapping;
    }
    return nullptr;
}

bool is_release_combination(const SDL_KeyboardEvent& event)
{
    return event.keysym.scancode == kReleaseKey && (event.keysym.mod & KMOD_CTRL) && (event.keysym.mod & KMOD_ALT);
}

}

void SdlInput::handle(const SDL_Event& event, ClientSession& session, const Viewport& viewport, uint32_t screen_width,
    uint32_t screen_height)
{
    switch (event.type) {
    case SDL_KEYDOWN:
    case SDL_KEYUP:
        key(event.key, session);
        break;
    case SDL_MOUSEMOTION:
        if (session.client_mouse_mode()) {
            if (screen_width && screen_height) {
                auto point = window_to_screen(viewport, screen_width, screen_height, event.motion.x, event.motion.y);
                session.send_mouse_position(point.x, point.y, m_buttons);
            }
        } else if (m_captured && (event.motion.xrel || event.motion.yrel)) {
            session.send_mouse_motion(event.motion.xrel, event.motion.yrel, m_buttons);
        }
        break;
    case SDL_MOUSEBUTTONDOWN:
    case SDL_MOUSEBUTTONUP:
        button(event.button, session, viewport, screen_width, screen_height);
        break;
    case SDL_MOUSEWHEEL:
        wheel(event.wheel, session);
        break;
    case SDL_WINDOWEVENT:
        if (event.window.event == SDL_WINDOWEVENT_FOCUS_LOST)
            release_all(session);
        break;
    default:
        break;
    }
}

void SdlInput::key(const SDL_KeyboardEvent& event, ClientSession& session)
{
    bool down = event.type == SDL_KEYDOWN;
    if (down && is_release_combination(event)) {
        set_captured(false);
        m_swallow_release_key = true;
        return;
    }
    if (!down && event.keysym.scancode == kReleaseKey && m_swallow_release_key) {
        m_swallow_release_key = false;
        return;
    }
    if (event.keysym.scancode == SDL_SCANCODE_PAUSE) {
        // A real keyboard sends Pause's codes on the press only.
        if (down && !event.repeat) {
            session.send_key(kPauseFirstScancode, true);
            session.send_key(kPauseSecondScancode, true);
            session.send_key(kPauseFirstScancode, false);
            session.send_key(kPauseSecondScancode, false);
        }
        return;
    }
    uint32_t code = pc_scancode(event.keysym.scancode);
    if (code == 0)
        return;
    // Auto-repeat is a key down again, as a PC keyboard's typematic repeat.
    if (down)
        m_held_keys.insert(code);
    else if (m_held_keys.erase(code) == 0)
        return;
    session.send_key(code, down);
}

void SdlInput::button(const SDL_MouseButtonEvent& event, ClientSession& session, const Viewport& viewport, uint32_t screen_width,
    uint32_t screen_height)
{
    bool down = event.type == SDL_MOUSEBUTTONDOWN;
    bool client_mode = session.client_mouse_mode();
    if (!client_mode && !m_captured) {
        // The click that captures the pointer is the host's, not the guest's.
        if (down && event.button == SDL_BUTTON_LEFT)
            set_captured(true);
        return;
    }
    auto* mapping = find_button(event.button);
    if (!mapping)
        return;
    if (down)
        m_buttons |= mapping->mask;
    else if (m_buttons & mapping->mask)
        m_buttons &= ~mapping->mask;
    else
        return;
    if (client_mode && screen_width && screen_height) {
        auto point = window_to_screen(viewport, screen_width, screen_height, event.x, event.y);
        session.send_mouse_position(point.x, point.y, m_buttons);
    }
    session.send_mouse_button(mapping->spice, down, m_buttons);
}

void SdlInput::wheel(const SDL_MouseWheelEvent& event, ClientSession& session)
{
    if (!session.client_mouse_mode() && !m_captured)
        return;
    int notches = std::clamp(event.direction == SDL_MOUSEWHEEL_FLIPPED ? -event.y : event.y, -kMaxWheelNotches, kMaxWheelNotches);
    // SPICE's wheel is a button per direction, pressed and released per notch.
    uint8_t spice_button = notches > 0 ? SPICE_MOUSE_BUTTON_UP : SPICE_MOUSE_BUTTON_DOWN;
    uint32_t mask = notches > 0 ? SPICE_MOUSE_BUTTON_MASK_UP : SPICE_MOUSE_BUTTON_MASK_DOWN;
    for (int i = 0; i < std::abs(notches); ++i) {
        session.send_mouse_button(spice_button, true, m_buttons | mask);
        session.send_mouse_button(spice_button, false, m_buttons);
    }
}

void SdlInput::release_all(ClientSession& session)
{
    set_captured(false);
    for (uint32_t code : m_held_keys)
        session.send_key(code, false);
    m_held_keys.clear();
    for (auto& mapping : kButtons) {
        if (m_buttons & mapping.mask) {
            m_buttons &= ~mapping.mask;
            session.send_mouse_button(mapping.spice, false, m_buttons);
        }
    }
}

void SdlInput::set_captured(bool captured)
{
    if (captured == m_captured)
        return;
    m_captured = captured;
    SDL_SetRelativeMouseMode(captured ? SDL_TRUE : SDL_FALSE);
    SDL_SetWindowGrab(m_window, captured ? SDL_TRUE : SDL_FALSE);
}

} // namespace spicebox
