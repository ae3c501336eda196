#include "spice-common/draw_marshaller.h"
#include "spice-common/overloaded.h"

#include <spice/enums.h>

#include <algorithm>
#include <cstring>

namespace spicebox {

namespace {

// The body being written: the fixed part first, with 0 in each pointer field, then what the pointers
// point to, each patched into its field as it is appended.
class BodyWriter {
public:
    BodyWriter(WireWriter& writer, size_t body_start, ImageWriter& images)
        : m_writer(writer)
        , m_start(body_start)
        , m_images(images)
    {
    }

    WireWriter& writer() { return m_writer; }

    void pointer(std::function<void()> write_target)
    {
        m_pending.push_back({ m_writer.size(), std::move(write_target) });
        m_writer.put_u32(0);
    }
    void image_pointer(const Image& image)
    {
        pointer([this, target = &image] { m_images.write_image(m_writer, m_start, *target); });
    }
    void optional_image_pointer(const Image* image)
    {
        if (image)
            image_pointer(*image);
        else
            m_writer.put_u32(0);
    }

    // Appends the targets (and any they add in turn), in the order their pointers were written.
    void finish()
    {
        for (size_t i = 0; i < m_pending.size(); ++i) {
            m_writer.patch_u32(m_pending[i].field, uint32_t(m_writer.size() - m_start));
            auto write_target = std::move(m_pending[i].write_target);
            write_target();
        }
    }

    void rect(const Rect& rect) { put_wire_rect(m_writer, rect); }
    void point(const Point& point)
    {
        m_writer.put_i32(point.x);
        m_writer.put_i32(point.y);
    }

    void brush(const Brush& brush)
    {
        std::visit(Overloaded {
                       [&](std::monostate) { m_writer.put_u8(SPICE_BRUSH_TYPE_NONE); },
                       [&](const SolidBrush& solid) {
                           m_writer.put_u8(SPICE_BRUSH_TYPE_SOLID);
                           m_writer.put_u32(solid.color);
                       },
                       [&](const PatternBrush& pattern) {
                           m_writer.put_u8(SPICE_BRUSH_TYPE_PATTERN);
                           image_pointer(pattern.pattern);
                           point(pattern.origin);
                       },
                   },
            brush);
    }

    void mask(const std::optional<Mask>& mask)
    {
        m_writer.put_u8(mask && mask->inverted ? SPICE_MASK_FLAGS_INVERS : 0);
        point(mask ? mask->position : Point {});
        optional_image_pointer(mask ? &mask->bitmap : nullptr);
    }

private:
    struct Pending {
        size_t field;
        std::function<void()> write_target;
    };

    WireWriter& m_writer;
    size_t m_start;
    ImageWriter& m_images;
    std::vector<Pending> m_pending;
};

void put_clip(WireWriter& writer, const std::optional<std::vector<Rect>>& clip)
{
    if (!clip) {
        writer.put_u8(SPICE_CLIP_TYPE_NONE);
        return;
    }
    writer.put_u8(SPICE_CLIP_TYPE_RECTS);
    writer.put_u32(uint32_t(clip->size()));
    for (auto& rect : *clip)
        put_wire_rect(writer, rect);
}

uint32_t glyph_bits_per_pixel(uint16_t string_flags)
{
    if (string_flags & SPICE_STRING_FLAGS_RASTER_A8)
        return 8;
    if (string_flags & SPICE_STRING_FLAGS_RASTER_A4)
        return 4;
    return 1;
}

void put_path(WireWriter& writer, const std::vector<PathSegment>& path)
{
    writer.put_u32(uint32_t(path.size()));
    for (auto& segment : path) {
        writer.put_u8(uint8_t(segment.flags));
        writer.put_u32(uint32_t(segment.points.size()));
        for (auto& point : segment.points) {
            writer.put_i32(point[0]);
            writer.put_i32(point[1]);
        }
    }
}

void put_string(WireWriter& writer, const TextOp& text)
{
    writer.put_u16(uint16_t(text.glyphs.size()));
    writer.put_u8(uint8_t(text.string_flags));
    uint32_t bpp = glyph_bits_per_pixel(text.string_flags);
    for (auto& glyph : text.glyphs) {
        writer.put_i32(glyph.render_position.x);
        writer.put_i32(glyph.render_position.y);
        writer.put_i32(glyph.origin.x);
        writer.put_i32(glyph.origin.y);
        writer.put_u16(glyph.width);
        writer.put_u16(glyph.height);
        // Exactly image_size(bpp, width, height) bytes, whatever the model holds.
        size_t size = (size_t(glyph.width) * bpp + 7) / 8 * glyph.height;
        size_t at = writer.grow(size);
        std::memcpy(writer.data_at(at), glyph.data.data(), std::min(size, glyph.data.size()));
    }
}

void marshal_operation(BodyWriter& body, const DrawCommand& command)
{
    auto& writer = body.writer();
    std::visit(Overloaded {
                   [&](const FillOp& fill) {
                       body.brush(fill.brush);
                       writer.put_u16(fill.rop_descriptor);
                       body.mask(fill.mask);
                   },
                   [&](const OpaqueOp& opaque) {
                       body.image_pointer(opaque.source);
                       body.rect(opaque.source_area);
                       body.brush(opaque.brush);
                       writer.put_u16(opaque.rop_descriptor);
                       writer.put_u8(uint8_t(opaque.scale_mode));
                       body.mask(opaque.mask);
                   },
                   [&](const CopyOp& copy) {
                       body.image_pointer(copy.source);
                       body.rect(copy.source_area);
                       writer.put_u16(copy.rop_descriptor);
                       writer.put_u8(uint8_t(copy.scale_mode));
                       body.mask(copy.mask);
                   },
                   [&](const BlendOp& blend) {
                       body.image_pointer(blend.source);
                       body.rect(blend.source_area);
                       writer.put_u16(blend.rop_descriptor);
                       writer.put_u8(uint8_t(blend.scale_mode));
                       body.mask(blend.mask);
                   },
                   [&](const TransparentOp& transparent) {
                       body.image_pointer(transparent.source);
                       body.rect(transparent.source_area);
                       writer.put_u32(transparent.transparent_color);
                       writer.put_u32(transparent.true_color);
                   },
                   [&](const AlphaBlendOp& alpha) {
                       writer.put_u8(alpha.alpha_flags);
                       writer.put_u8(alpha.alpha);
                       body.image_pointer(alpha.source);
                       body.rect(alpha.source_area);
                   },
                   [&](const CopyBitsOp& copy_bits) { body.point(copy_bits.source_position); },
                   [&](const BlacknessOp& op) { body.mask(op.mask); },
                   [&](const WhitenessOp& op) { body.mask(op.mask); },
                   [&](const InversOp& op) { body.mask(op.mask); },
                   [&](const Rop3Op& rop3) {
                       body.image_pointer(rop3.source);
                       body.rect(rop3.source_area);
                       body.brush(rop3.brush);
                       writer.put_u8(rop3.rop3);
                       writer.put_u8(uint8_t(rop3.scale_mode));
                       body.mask(rop3.mask);
                   },
                   [&](const StrokeOp& stroke) {
                       body.pointer([out = &writer, path = &stroke.path] { put_path(*out, *path); });
                       bool styled = (stroke.line_flags & SPICE_LINE_FLAGS_STYLED) != 0;
                       writer.put_u8(stroke.line_flags);
                       if (styled) {
                           writer.put_u8(uint8_t(std::min<size_t>(stroke.style.size(), UINT8_MAX)));
                           body.pointer([out = &writer, style = &stroke.style] {
                               for (size_t i = 0; i < std::min<size_t>(style->size(), UINT8_MAX); ++i)
                                   out->put_i32((*style)[i]);
                           });
                       }
                       body.brush(stroke.brush);
                       writer.put_u16(stroke.fore_mode);
                       writer.put_u16(stroke.back_mode);
                   },
                   [&](const TextOp& text) {
                       body.pointer([out = &writer, string = &text] { put_string(*out, *string); });
                       body.rect(text.back_area);
                       body.brush(text.fore_brush);
                       body.brush(text.back_brush);
                       writer.put_u16(text.fore_mode);
                       writer.put_u16(text.back_mode);
                   },
               },
        command.operation);
}

void add_brush_image(std::vector<const Image*>& images, const Brush& brush)
{
    if (auto* pattern = std::get_if<PatternBrush>(&brush))
        images.push_back(&pattern->pattern);
}

void add_mask_image(std::vector<const Image*>& images, const std::optional<Mask>& mask)
{
    if (mask)
        images.push_back(&mask->bitmap);
}

} // namespace

void put_wire_rect(WireWriter& writer, const Rect& rect)
{
    writer.put_i32(rect.top);
    writer.put_i32(rect.left);
    writer.put_i32(rect.bottom);
    writer.put_i32(rect.right);
}

uint16_t draw_message_type(const DrawCommand& command)
{
    return std::visit(Overloaded {
                          [](const FillOp&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_FILL; },
                          [](const OpaqueOp&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_OPAQUE; },
                          [](const CopyOp&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_COPY; },
                          [](const BlendOp&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_BLEND; },
                          [](const TransparentOp&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_TRANSPARENT; },
                          [](const AlphaBlendOp&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND; },
                          [](const CopyBitsOp&) -> uint16_t { return SPICE_MSG_DISPLAY_COPY_BITS; },
                          [](const BlacknessOp&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_BLACKNESS; },
                          [](const WhitenessOp&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_WHITENESS; },
                          [](const InversOp&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_INVERS; },
                          [](const Rop3Op&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_ROP3; },
                          [](const StrokeOp&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_STROKE; },
                          [](const TextOp&) -> uint16_t { return SPICE_MSG_DISPLAY_DRAW_TEXT; },
                      },
        command.operation);
}

void marshal_draw(WireWriter& writer, size_t body_start, const DrawCommand& command, ImageWriter& images)
{
    writer.put_u32(command.surface_id);
    put_wire_rect(writer, command.bbox);
    put_clip(writer, command.clip);
    BodyWriter body(writer, body_start, images);
    marshal_operation(body, command);
    body.finish();
}

std::vector<const Image*> draw_images(const DrawCommand& command)
{
    std::vector<const Image*> images;
    std::visit(Overloaded {
                   [&](const FillOp& fill) {
                       add_brush_image(images, fill.brush);
                       add_mask_image(images, fill.mask);
                   },
                   [&](const OpaqueOp& opaque) {
                       images.push_back(&opaque.source);
                       add_brush_image(images, opaque.brush);
                       add_mask_image(images, opaque.mask);
                   },
                   [&](const CopyOp& copy) {
                       images.push_back(&copy.source);
                       add_mask_image(images, copy.mask);
                   },
                   [&](const BlendOp& blend) {
                       images.push_back(&blend.source);
                       add_mask_image(images, blend.mask);
                   },
                   [&](const TransparentOp& transparent) { images.push_back(&transparent.source); },
                   [&](const AlphaBlendOp& alpha) { images.push_back(&alpha.source); },
                   [&](const CopyBitsOp&) {},
                   [&](const BlacknessOp& op) { add_mask_image(images, op.mask); },
                   [&](const WhitenessOp& op) { add_mask_image(images, op.mask); },
                   [&](const InversOp& op) { add_mask_image(images, op.mask); },
                   [&](const Rop3Op& rop3) {
                       images.push_back(&rop3.source);
                       add_brush_image(images, rop3.brush);
                       add_mask_image(images, rop3.mask);
                   },
                   [&](const StrokeOp& stroke) { add_brush_image(images, stroke.brush); },
                   [&](const TextOp& text) {
                       add_brush_image(images, text.fore_brush);
                       add_brush_image(images, text.back_brush);
                   },
               },
        command.operation);
    return images;
}

size_t draw_payload_bytes(const DrawCommand& command)
{
    size_t bytes = sizeof(DrawCommand);
    for (auto* image : draw_images(command)) {
        if (auto* bitmap = std::get_if<Bitmap>(&image->source))
            bytes += bitmap->pixels.size() + bitmap->palette.size() * sizeof(uint32_t);
    }
    if (auto* text = std::get_if<TextOp>(&command.operation)) {
        for (auto& glyph : text->glyphs)
            bytes += sizeof(Glyph) + glyph.data.size();
    }
    if (auto* stroke = std::get_if<StrokeOp>(&command.operation)) {
        for (auto& segment : stroke->path)
            bytes += sizeof(PathSegment) + segment.points.size() * sizeof(segment.points[0]);
    }
    return bytes;
}

void write_image_descriptor(WireWriter& writer, uint64_t id, uint8_t type, uint8_t flags, uint32_t width, uint32_t height)
{
    writer.put_u64(id);
    writer.put_u8(type);
    writer.put_u8(flags);
    writer.put_u32(width);
    writer.put_u32(height);
}

void write_raw_image(WireWriter& writer, size_t body_start, const Image& image, uint8_t image_flags,
    const std::function<std::pair<uint32_t, uint32_t>(uint32_t surface_id)>& surface_size)
{
    if (auto* surface = std::get_if<SurfaceImage>(&image.source)) {
        auto [width, height] = surface_size(surface->surface_id);
        write_image_descriptor(writer, image.id, SPICE_IMAGE_TYPE_SURFACE, image_flags, width, height);
        writer.put_u32(surface->surface_id);
        return;
    }
    auto& bitmap = std::get<Bitmap>(image.source);
    write_image_descriptor(writer, image.id, SPICE_IMAGE_TYPE_BITMAP, image_flags, bitmap.width, bitmap.height);
    writer.put_u8(uint8_t(bitmap.format));
    writer.put_u8(SPICE_BITMAP_FLAGS_TOP_DOWN);
    writer.put_u32(bitmap.width);
    writer.put_u32(bitmap.height);
    writer.put_u32(bitmap.stride);
    size_t palette_field = writer.size();
    writer.put_u32(0);
    size_t size = size_t(bitmap.stride) * bitmap.height;
    size_t at = writer.grow(size);
    std::memcpy(writer.data_at(at), bitmap.pixels.data(), std::min(size, bitmap.pixels.size()));
    if (!has_palette(bitmap.format))
        return;
    writer.patch_u32(palette_field, uint32_t(writer.size() - body_start));
    writer.put_u64(bitmap.palette_id);
    writer.put_u16(uint16_t(bitmap.palette.size()));
    for (uint32_t entry : bitmap.palette)
        writer.put_u32(entry);
}

} // namespace spicebox
