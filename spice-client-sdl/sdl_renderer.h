// The window and what is drawn in it: the guest's screen in a streaming texture, scaled into the window
// with its aspect ratio kept, and (in server mouse mode) the guest's cursor drawn over it. Only the parts
// of the screen that changed since the last frame are uploaded. SDL's 2D renderer picks OpenGL where
// the display has it and draws in software otherwise. Main thread only.
#pragma once

#include "base/result.h"
#include "spice-client-sdl/sdl_viewport.h"
#include "spice-common/framebuffer.h"

#include <SDL.h>

#include <memory>
#include <string>

namespace spicebox {

// A screen no client would show; a larger one from the server is drawn scaled into one this size.
constexpr uint32_t kMaxTextureSide = 16384;
// The window's size before the guest has a screen.
constexpr int kInitialWindowWidth = 640;
constexpr int kInitialWindowHeight = 480;

struct CursorSprite {
    const Framebuffer* image { nullptr }; // ARGB, premultiplied or not (SDL blends it as straight alpha)
    int32_t x { 0 };                     // the hot spot on the guest screen
    int32_t y { 0 };
    uint16_t hot_x { 0 };
    uint16_t hot_y { 0 };
    uint64_t generation { 0 };           // a new image when this changes
};

class SdlRenderer {
public:
    // Initialises SDL's video; an Error (naming SDL's reason) when no display can be opened.
    static Result<std::unique_ptr<SdlRenderer>> open(const std::string& title);
    ~SdlRenderer();
    SdlRenderer(const SdlRenderer&) = delete;
    SdlRenderer& operator=(const SdlRenderer&) = delete;

    SDL_Window* window() const { return m_window; }
    uint32_t window_id() const { return SDL_GetWindowID(m_window); }
    void set_title(const std::string&);
    // The window opens hidden, to appear at the guest's size once its screen arrives; this shows it now.
    void show();

    // Uploads what changed in `screen`; a new screen size recreates the texture and resizes the window
    // to it. Returns the number of pixels uploaded.
    Result<size_t> update(const Framebuffer& screen);
    // Draws the screen scaled into the window, then `cursor` if given, and shows the frame.
    void present(const CursorSprite* cursor);

    // Where the screen is in the window, in window coordinates (those of mouse events).
    Viewport viewport() const;
    uint32_t screen_width() const { return m_shown.width; }
    uint32_t screen_height() const { return m_shown.height; }

private:
    SdlRenderer(SDL_Window*, SDL_Renderer*);
    Result<void> update_cursor_texture(const CursorSprite&);

    SDL_Window* m_window;
    SDL_Renderer* m_renderer;
    SDL_Texture* m_screen_texture { nullptr };
    SDL_Texture* m_cursor_texture { nullptr };
    uint64_t m_cursor_generation { 0 };
    bool m_shown_once { false };
    int m_cursor_width { 0 };
    int m_cursor_height { 0 };
    // What the texture holds, to find what changed.
    Framebuffer m_shown;
};

} // namespace spicebox
