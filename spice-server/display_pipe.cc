#include "spice-server/display_pipe.h"

#include "spice-common/draw_marshaller.h"

#include <algorithm>

namespace spicebox {

namespace {

Rect intersect(const Rect& a, const Rect& b)
{
    return Rect { std::max(a.left, b.left), std::max(a.top, b.top), std::min(a.right, b.right), std::min(a.bottom, b.bottom) };
}

bool contains(const Rect& outer, const Rect& inner)
{
    return inner.left >= outer.left && inner.top >= outer.top && inner.right <= outer.right && inner.bottom <= outer.bottom;
}

bool source_inside_bitmap(const Image& image, const Rect& source_area)
{
    auto* bitmap = std::get_if<Bitmap>(&image.source);
    return bitmap && !source_area.empty()
        && contains(Rect { 0, 0, int32_t(bitmap->width), int32_t(bitmap->height) }, source_area);
}

bool paints_whole_box(const DrawOperation& operation)
{
    if (auto* fill = std::get_if<FillOp>(&operation))
        return !fill->mask && fill->rop_descriptor == SPICE_ROPD_OP_PUT && !std::holds_alternative<std::monostate>(fill->brush);
    if (auto* copy = std::get_if<CopyOp>(&operation))
        return !copy->mask && copy->rop_descriptor == SPICE_ROPD_OP_PUT && source_inside_bitmap(copy->source, copy->source_area);
    if (auto* blackness = std::get_if<BlacknessOp>(&operation))
        return !blackness->mask;
    if (auto* whiteness = std::get_if<WhitenessOp>(&operation))
        return !whiteness->mask;
    return false;
}

}

std::optional<Rect> opaque_area(const DrawCommand& command)
{
    if (!paints_whole_box(command.operation))
        return std::nullopt;
    if (!command.clip)
        return command.bbox;
    if (command.clip->size() != 1)
        return std::nullopt;
    return intersect(command.bbox, command.clip->front());
}

Rect touched_area(const DrawCommand& command)
{
    if (!command.clip)
        return command.bbox;
    if (command.clip->empty())
        return {};
    Rect bounds = command.clip->front();
    for (auto& rect : *command.clip) {
        bounds.left = std::min(bounds.left, rect.left);
        bounds.top = std::min(bounds.top, rect.top);
        bounds.right = std::max(bounds.right, rect.right);
        bounds.bottom = std::max(bounds.bottom, rect.bottom);
    }
    return intersect(command.bbox, bounds);
}

bool reads_surface(const DrawCommand& command, uint32_t surface_id)
{
    if (std::holds_alternative<CopyBitsOp>(command.operation) && command.surface_id == surface_id)
        return true;
    for (auto& dependency : command.dependencies) {
        if (dependency.surface_id == surface_id)
            return true;
    }
    for (auto* image : draw_images(command)) {
        auto* surface = std::get_if<SurfaceImage>(&image->source);
        if (surface && surface->surface_id == surface_id)
            return true;
    }
    return false;
}

void DisplayPipe::push_command(std::shared_ptr<const DrawCommand> command)
{
    auto cover = opaque_area(*command);
    uint32_t surface = command->surface_id;
    if (cover && !cover->empty() && !reads_surface(*command, surface)) {
        size_t examined = 0;
        for (size_t i = m_items.size(); i > 0 && examined < kOcclusionWindow; ++examined) {
            --i;
            auto& item = m_items[i];
            if (item.kind != PipeItem::Kind::Command)
                break;
            auto& earlier = *item.command;
            if (earlier.surface_id == surface) {
                Rect touched = touched_area(earlier);
                if (touched.empty() || contains(*cover, touched)) {
                    m_command_bytes -= draw_payload_bytes(earlier);
                    m_items.erase(m_items.begin() + ptrdiff_t(i));
                    ++m_dropped;
                    continue;
                }
            }
            if (reads_surface(earlier, surface))
                break;
        }
    }
    m_command_bytes += draw_payload_bytes(*command);
    m_items.push_back(PipeItem { .kind = PipeItem::Kind::Command, .command = std::move(command) });
}

void DisplayPipe::pop_front()
{
    if (m_items.front().command)
        m_command_bytes -= draw_payload_bytes(*m_items.front().command);
    m_items.pop_front();
}

void DisplayPipe::clear()
{
    m_items.clear();
    m_command_bytes = 0;
}

} // namespace spicebox
