#include "spice-client-sdl/sdl_renderer.h"

#include "base/log.h"
#include "spice-client-sdl/sdl_screen_diff.h"

#include <algorithm>
#include <string_view>

namespace spicebox {

namespace {

// Framebuffer pixels are 0x00RRGGBB words, SDL's XRGB8888 (its "RGB888"); cursors are 0xAARRGGBB.
constexpr Uint32 kScreenFormat = SDL_PIXELFORMAT_RGB888;
constexpr Uint32 kCursorFormat = SDL_PIXELFORMAT_ARGB8888;

Error sdl_error(const std::string& what) { return Error { what + ": " + SDL_GetError() }; }

}

Result<std::unique_ptr<SdlRenderer>> SdlRenderer::open(const std::string& title)
{
    // SIGINT and SIGTERM belong to the machine (it stops the run on them), not to SDL.
    SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    // Relative motion from warping the pointer works on every X server, Xvfb included (raw input does not).
    SDL_SetHint(SDL_HINT_MOUSE_RELATIVE_MODE_WARP, "1");
    // Guest scaling is smooth rather than blocky when the window is not the screen's size.
    SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0)
        return sdl_error("cannot open a window (SDL video)");
    // SDL falls back to drivers that show nothing; for a user that is no display at all.
    std::string_view driver = SDL_GetCurrentVideoDriver();
    if (driver == "dummy" || driver == "offscreen") {
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return Error { "cannot open a window: no display (SDL found only its '" + std::string(driver) + "' video driver)" };
    }
    LOG_INFO("sdl", "SDL video driver %s", std::string(driver).c_str());
    SDL_Window* window = SDL_CreateWindow(title.c_str(), SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, kInitialWindowWidth,
        kInitialWindowHeight, SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI | SDL_WINDOW_HIDDEN);
    if (!window) {
        auto error = sdl_error("cannot open a window");
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return error;
    }
    // No flags: the first renderer that works, hardware before software.
    SDL_Renderer* renderer = SDL_CreateRenderer(window, -1, 0);
    if (!renderer) {
        auto error = sdl_error("cannot draw in the window");
        SDL_DestroyWindow(window);
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
        return error;
    }
    SDL_RendererInfo info {};
    if (SDL_GetRendererInfo(renderer, &info) == 0)
        LOG_INFO("sdl", "drawing with SDL's %s renderer", info.name);
    return std::unique_ptr<SdlRenderer>(new SdlRenderer(window, renderer));
}

SdlRenderer::SdlRenderer(SDL_Window* window, SDL_Renderer* renderer)
    : m_window(window)
    , m_renderer(renderer)
{
}

SdlRenderer::~SdlRenderer()
{
    if (m_cursor_texture)
        SDL_DestroyTexture(m_cursor_texture);
    if (m_screen_texture)
        SDL_DestroyTexture(m_screen_texture);
    SDL_DestroyRenderer(m_renderer);
    SDL_DestroyWindow(m_window);
    SDL_QuitSubSystem(SDL_INIT_VIDEO);
}

void SdlRenderer::show()
{
    if (m_shown_once)
        return;
    m_shown_once = true;
    SDL_ShowWindow(m_window);
}

void SdlRenderer::set_title(const std::string& title) { SDL_SetWindowTitle(m_window, title.c_str()); }

Result<size_t> SdlRenderer::update(const Framebuffer& screen)
{
    if (screen.width == 0 || screen.height == 0 || screen.width > kMaxTextureSide || screen.height > kMaxTextureSide
        || screen.pixels.size() != size_t(screen.width) * screen.height)
        return size_t(0);
    if (screen.width != m_shown.width || screen.height != m_shown.height) {
        if (m_screen_texture)
            SDL_DestroyTexture(m_screen_texture);
        m_screen_texture = SDL_CreateTexture(m_renderer, kScreenFormat, SDL_TEXTUREACCESS_STREAMING, int(screen.width), int(screen.height));
        if (!m_screen_texture) {
            m_shown = {};
            return sdl_error("cannot make a " + std::to_string(screen.width) + "x" + std::to_string(screen.height) + " texture");
        }
        // A new guest mode: show it at its own size, as a monitor would, or as large as fits the desktop.
        int width = int(screen.width), height = int(screen.height);
        SDL_Rect desktop {};
        if (SDL_GetDisplayUsableBounds(std::max(0, SDL_GetWindowDisplayIndex(m_window)), &desktop) == 0
            && (width > desktop.w || height > desktop.h)) {
            auto fitted = fit_viewport(screen.width, screen.height, desktop.w, desktop.h);
            width = fitted.width;
            height = fitted.height;
        }
        SDL_SetWindowSize(m_window, width, height);
        // Centred when it first appears, and again when the new size would hang off the desktop.
        int x = 0, y = 0;
        SDL_GetWindowPosition(m_window, &x, &y);
        if (!m_shown_once || x + width > desktop.x + desktop.w || y + height > desktop.y + desktop.h)
            SDL_SetWindowPosition(m_window, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED);
        show();
    }
    auto rects = changed_rects(m_shown, screen);
    size_t uploaded = 0;
    for (auto& rect : rects) {
        SDL_Rect area { rect.left, rect.top, rect.width(), rect.height() };
        const uint32_t* first = screen.row(uint32_t(rect.top)) + rect.left;
        if (SDL_UpdateTexture(m_screen_texture, &area, first, int(screen.width * sizeof(uint32_t))) != 0)
            return sdl_error("cannot update the screen texture");
        uploaded += size_t(rect.width()) * size_t(rect.height());
    }
    copy_rects(m_shown, screen, rects);
    return uploaded;
}

Result<void> SdlRenderer::update_cursor_texture(const CursorSprite& cursor)
{
    if (m_cursor_texture && cursor.generation == m_cursor_generation)
        return {};
    if (m_cursor_texture)
        SDL_DestroyTexture(m_cursor_texture);
    m_cursor_texture = nullptr;
    m_cursor_generation = cursor.generation;
    const Framebuffer& image = *cursor.image;
    if (image.width == 0 || image.height == 0 || image.width > kMaxTextureSide || image.height > kMaxTextureSide
        || image.pixels.size() != size_t(image.width) * image.height)
        return {};
    m_cursor_texture = SDL_CreateTexture(m_renderer, kCursorFormat, SDL_TEXTUREACCESS_STATIC, int(image.width), int(image.height));
    if (!m_cursor_texture)
        return sdl_error("cannot make the cursor's texture");
    SDL_SetTextureBlendMode(m_cursor_texture, SDL_BLENDMODE_BLEND);
    if (SDL_UpdateTexture(m_cursor_texture, nullptr, image.pixels.data(), int(image.width * sizeof(uint32_t))) != 0)
        return sdl_error("cannot fill the cursor's texture");
    m_cursor_width = int(image.width);
    m_cursor_height = int(image.height);
    return {};
}

Viewport SdlRenderer::viewport() const
{
    int width = 0, height = 0;
    SDL_GetWindowSize(m_window, &width, &height);
    return fit_viewport(m_shown.width, m_shown.height, width, height);
}

void SdlRenderer::present(const CursorSprite* cursor)
{
    SDL_SetRenderDrawColor(m_renderer, 0, 0, 0, SDL_ALPHA_OPAQUE);
    SDL_RenderClear(m_renderer);
    int output_width = 0, output_height = 0;
    SDL_GetRendererOutputSize(m_renderer, &output_width, &output_height);
    // In output pixels, which differ from window coordinates on a high-density display.
    Viewport target = fit_viewport(m_shown.width, m_shown.height, output_width, output_height);
    if (m_screen_texture && !target.empty()) {
        SDL_Rect destination { target.x, target.y, target.width, target.height };
        SDL_RenderCopy(m_renderer, m_screen_texture, nullptr, &destination);
        if (cursor && cursor->image) {
            if (auto made = update_cursor_texture(*cursor); !made)
                LOG_WARN("sdl", "%s", made.error().message.c_str());
        }
        if (cursor && m_cursor_texture) {
            auto corner = screen_to_window(target, m_shown.width, m_shown.height, cursor->x - cursor->hot_x, cursor->y - cursor->hot_y);
            SDL_Rect area { corner.x, corner.y, int(int64_t(m_cursor_width) * target.width / m_shown.width),
                int(int64_t(m_cursor_height) * target.height / m_shown.height) };
            SDL_RenderCopy(m_renderer, m_cursor_texture, nullptr, &area);
        }
    }
    SDL_RenderPresent(m_renderer);
}

} // namespace spicebox
