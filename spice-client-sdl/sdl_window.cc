#include "spice-client-sdl/sdl_window.h"

#include "base/log.h"
#include "spice-client-sdl/sdl_input.h"
#include "spice-client-sdl/sdl_renderer.h"

#include <cstdlib>
#include <optional>

namespace spicebox {

namespace {

constexpr const char* kTitlePrefix = "spicebox - ";
constexpr const char* kCapturedNote = " (input captured: Ctrl+Alt+G to release)";
constexpr const char* kUncapturedNote = " (click to capture input)";
// A cursor no window system would show; the guest's larger ones are not mirrored on the host.
constexpr uint32_t kMaxHostCursorSide = 256;

}

bool display_announced()
{
    for (const char* name : { "DISPLAY", "WAYLAND_DISPLAY" }) {
        const char* value = std::getenv(name);
        if (value && *value)
            return true;
    }
    return false;
}

Result<std::unique_ptr<SdlWindow>> SdlWindow::open(std::string name)
{
    // Without one, SDL would try its drivers one by one, and some print their own complaints.
    if (!display_announced())
        return Error { "no display to open the window on ($DISPLAY and $WAYLAND_DISPLAY are not set)" };
    auto renderer = TRY(SdlRenderer::open(kTitlePrefix + (name.empty() ? std::string("connecting") : name)));
    return std::unique_ptr<SdlWindow>(new SdlWindow(std::move(renderer), std::move(name)));
}

SdlWindow::SdlWindow(std::unique_ptr<SdlRenderer> renderer, std::string name)
    : m_renderer(std::move(renderer))
    , m_input(std::make_unique<SdlInput>(m_renderer->window()))
    , m_name(std::move(name))
{
}

SdlWindow::~SdlWindow()
{
    if (m_host_cursor)
        SDL_FreeCursor(m_host_cursor);
    if (!m_host_cursor_shown)
        SDL_ShowCursor(SDL_ENABLE);
}

void SdlWindow::update_title(const ClientSession& session)
{
    std::string title = kTitlePrefix + (m_name.empty() ? session.title() : m_name);
    if (!session.client_mouse_mode())
        title += m_input->captured() ? kCapturedNote : kUncapturedNote;
    if (title != m_title) {
        m_title = title;
        m_renderer->set_title(title);
    }
}

// Client mouse mode: the host pointer is the guest's, so it takes the guest's cursor image. Server mode:
// the host pointer is hidden while captured and the guest's cursor is drawn into the picture.
void SdlWindow::update_host_cursor(const ClientSession& session)
{
    const auto& cursor = session.cursor();
    bool client_mode = session.client_mouse_mode();
    bool show = client_mode ? cursor.visible : !m_input->captured();
    if (show != m_host_cursor_shown) {
        m_host_cursor_shown = show;
        SDL_ShowCursor(show ? SDL_ENABLE : SDL_DISABLE);
    }
    if (!client_mode || cursor.generation == m_host_cursor_generation)
        return;
    m_host_cursor_generation = cursor.generation;
    const Framebuffer& image = cursor.image;
    if (image.width == 0 || image.height == 0 || image.width > kMaxHostCursorSide || image.height > kMaxHostCursorSide
        || image.pixels.size() != size_t(image.width) * image.height)
        return;
    // SDL copies the pixels into the cursor, so the surface may borrow the session's.
    SDL_Surface* surface = SDL_CreateRGBSurfaceWithFormatFrom(const_cast<uint32_t*>(image.pixels.data()), int(image.width),
        int(image.height), 32, int(image.width * sizeof(uint32_t)), SDL_PIXELFORMAT_ARGB8888);
    if (!surface)
        return;
    SDL_Cursor* made = SDL_CreateColorCursor(surface, std::min<int>(cursor.hot_x, int(image.width) - 1),
        std::min<int>(cursor.hot_y, int(image.height) - 1));
    SDL_FreeSurface(surface);
    if (!made) {
        LOG_WARN("sdl", "cannot make the guest's cursor a host cursor: %s", SDL_GetError());
        return;
    }
    SDL_SetCursor(made);
    if (m_host_cursor)
        SDL_FreeCursor(m_host_cursor);
    m_host_cursor = made;
}

Result<SdlWindow::Ended> SdlWindow::run(ClientSession& session, const std::function<bool()>& keep_running)
{
    uint64_t drawn_generation = 0;
    uint64_t drawn_cursor_generation = 0;
    int32_t drawn_cursor_x = 0, drawn_cursor_y = 0;
    bool drawn_cursor_visible = false;
    bool exposed = true;
    bool was_client_mode = session.client_mouse_mode();
    auto started = std::chrono::steady_clock::now();
    // Absolute positions let the guest's pointer follow the host's without capturing it; the session
    // keeps asking whenever the server's modes change.
    session.request_client_mouse_mode(true);
    for (;;) {
        auto now = std::chrono::steady_clock::now();
        if (now - started > kShowEmptyWindowAfter)
            m_renderer->show();
        SDL_Event event;
        while (SDL_PollEvent(&event)) {
            if (event.type == SDL_QUIT)
                return Ended::Closed;
            if (event.type == SDL_WINDOWEVENT) {
                if (event.window.windowID != m_renderer->window_id())
                    continue;
                if (event.window.event == SDL_WINDOWEVENT_CLOSE)
                    return Ended::Closed;
                if (event.window.event == SDL_WINDOWEVENT_EXPOSED || event.window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
                    exposed = true;
            }
            m_input->handle(event, session, m_renderer->viewport(), m_renderer->screen_width(), m_renderer->screen_height());
        }
        if (!keep_running())
            return Ended::Stopped;
        TRY(session.pump(kWindowPollInterval));

        bool client_mode = session.client_mouse_mode();
        if (client_mode != was_client_mode) {
            was_client_mode = client_mode;
            // The capture belongs to server mode; in client mode the host pointer must be free.
            if (client_mode)
                m_input->release_all(session);
        }
        update_title(session);
        update_host_cursor(session);

        const auto& cursor = session.cursor();
        bool draw_cursor = !client_mode && cursor.visible;
        bool cursor_changed = draw_cursor != drawn_cursor_visible
            || (draw_cursor && (cursor.generation != drawn_cursor_generation || cursor.x != drawn_cursor_x || cursor.y != drawn_cursor_y));
        if (session.screen_generation() == drawn_generation && !cursor_changed && !exposed)
            continue;
        drawn_generation = session.screen_generation();
        drawn_cursor_visible = draw_cursor;
        drawn_cursor_generation = cursor.generation;
        drawn_cursor_x = cursor.x;
        drawn_cursor_y = cursor.y;
        exposed = false;
        auto uploaded = m_renderer->update(session.screen());
        if (!uploaded)
            return uploaded.error();
        CursorSprite sprite { &cursor.image, cursor.x, cursor.y, cursor.hot_x, cursor.hot_y, cursor.generation };
        m_renderer->present(draw_cursor ? &sprite : nullptr);
    }
}

} // namespace spicebox
