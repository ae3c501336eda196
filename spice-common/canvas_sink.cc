#include "spice-common/canvas_sink.h"

#include "base/log.h"

namespace spicebox {

void CanvasSink::create_surface(const SurfaceCreate& create)
{
    std::lock_guard lock(m_mutex);
    auto result = m_canvas.create_surface(create);
    if (!result)
        LOG_WARN("canvas", "surface not created: %s", result.error().message.c_str());
}

void CanvasSink::destroy_surface(uint32_t surface_id)
{
    std::lock_guard lock(m_mutex);
    m_canvas.destroy_surface(surface_id);
}

void CanvasSink::draw(DrawCommand command)
{
    std::lock_guard lock(m_mutex);
    m_canvas.draw(command);
}

void CanvasSink::render(const DrawCommand& command)
{
    std::lock_guard lock(m_mutex);
    m_canvas.draw(command);
}

void CanvasSink::cursor(CursorCommand command)
{
    std::lock_guard lock(m_mutex);
    m_cursor.apply(command);
}

void CanvasSink::monitors_config(MonitorsConfig config)
{
    std::lock_guard lock(m_mutex);
    m_monitors = std::move(config);
}

void CanvasSink::update_area(uint32_t surface_id, const Rect& area)
{
    std::lock_guard lock(m_mutex);
    m_canvas.update_area(surface_id, area);
}

bool CanvasSink::has_primary() const
{
    std::lock_guard lock(m_mutex);
    return m_canvas.primary_surface().has_value();
}

Result<void> CanvasSink::screenshot(Framebuffer& framebuffer, bool with_cursor) const
{
    std::lock_guard lock(m_mutex);
    auto primary = m_canvas.primary_surface();
    if (!primary)
        return Error { "no primary surface" };
    TRY(m_canvas.read_surface(*primary, framebuffer));
    if (with_cursor)
        m_cursor.compose(framebuffer);
    return {};
}

Result<void> CanvasSink::read_surface(uint32_t surface_id, Framebuffer& framebuffer) const
{
    std::lock_guard lock(m_mutex);
    return m_canvas.read_surface(surface_id, framebuffer);
}

CursorOverlay CanvasSink::cursor_state() const
{
    std::lock_guard lock(m_mutex);
    return m_cursor;
}

MonitorsConfig CanvasSink::monitors() const
{
    std::lock_guard lock(m_mutex);
    return m_monitors;
}

} // namespace spicebox
