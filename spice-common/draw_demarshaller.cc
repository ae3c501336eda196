#include "spice-common/draw_demarshaller.h"

#include <spice/enums.h>

#include <string>

namespace spicebox {

namespace {

Result<Point> read_point(WireReader& reader)
{
    Point point;
    point.x = TRY(reader.read<int32_t>("point"));
    point.y = TRY(reader.read<int32_t>("point"));
    return point;
}

// A pointer field: an offset from the start of the body, 0 for none.
Result<std::optional<Image>> read_image_pointer(WireReader& reader, std::span<const uint8_t> body, ImageResolver& resolver)
{
    auto offset = TRY(reader.read<uint32_t>("image pointer"));
    if (offset == 0)
        return std::optional<Image> {};
    return std::optional<Image> { TRY(resolver.resolve_image(body, offset)) };
}

Result<Image> read_required_image(WireReader& reader, std::span<const uint8_t> body, ImageResolver& resolver, const char* what)
{
    auto image = TRY(read_image_pointer(reader, body, resolver));
    if (!image)
        return Error { std::string(what) + ": null image" };
    return std::move(*image);
}

Result<Brush> read_brush(WireReader& reader, std::span<const uint8_t> body, ImageResolver& resolver)
{
    auto type = TRY(reader.read<uint8_t>("brush type"));
    switch (type) {
    case SPICE_BRUSH_TYPE_NONE:
        return Brush {};
    case SPICE_BRUSH_TYPE_SOLID:
        return Brush { SolidBrush { TRY(reader.read<uint32_t>("brush colour")) } };
    case SPICE_BRUSH_TYPE_PATTERN: {
        PatternBrush pattern;
        pattern.pattern = TRY(read_required_image(reader, body, resolver, "pattern brush"));
        pattern.origin = TRY(read_point(reader));
        return Brush { std::move(pattern) };
    }
    }
    return Error { "unknown brush type " + std::to_string(type) };
}

Result<std::optional<Mask>> read_mask(WireReader& reader, std::span<const uint8_t> body, ImageResolver& resolver)
{
    auto flags = TRY(reader.read<uint8_t>("mask flags"));
    auto position = TRY(read_point(reader));
    auto bitmap = TRY(read_image_pointer(reader, body, resolver));
    if (!bitmap)
        return std::optional<Mask> {};
    Mask mask;
    mask.inverted = (flags & SPICE_MASK_FLAGS_INVERS) != 0;
    mask.position = position;
    mask.bitmap = std::move(*bitmap);
    return std::optional<Mask> { std::move(mask) };
}

Result<ScaleMode> read_scale_mode(WireReader& reader)
{
    auto mode = TRY(reader.read<uint8_t>("scale mode"));
    if (mode != SPICE_IMAGE_SCALE_MODE_INTERPOLATE && mode != SPICE_IMAGE_SCALE_MODE_NEAREST)
        return Error { "unknown scale mode " + std::to_string(mode) };
    return ScaleMode(mode);
}

// The part of a body a pointer field names, from the pointed-to byte to the end.
Result<WireReader> reader_at(std::span<const uint8_t> body, uint32_t offset, const char* what)
{
    if (offset == 0 || offset >= body.size())
        return Error { std::string(what) + " pointer " + std::to_string(offset) + " outside the message" };
    return WireReader(body.subspan(offset));
}

// Rows of ceil(width * bpp / 8) bytes, as spice.proto's image_size().
uint64_t glyph_bytes(uint32_t bits_per_pixel, uint32_t width, uint32_t height)
{
    return (uint64_t(width) * bits_per_pixel + 7) / 8 * height;
}

Result<TextOp> read_text(WireReader& reader, std::span<const uint8_t> body, ImageResolver& resolver)
{
    TextOp text;
    auto string_offset = TRY(reader.read<uint32_t>("text string pointer"));
    text.back_area = TRY(read_wire_rect(reader));
    text.fore_brush = TRY(read_brush(reader, body, resolver));
    text.back_brush = TRY(read_brush(reader, body, resolver));
    text.fore_mode = TRY(reader.read<uint16_t>("text fore mode"));
    text.back_mode = TRY(reader.read<uint16_t>("text back mode"));

    auto string = TRY(reader_at(body, string_offset, "text string"));
    auto length = TRY(string.read<uint16_t>("string length"));
    text.string_flags = TRY(string.read<uint8_t>("string flags"));
    uint32_t bits_per_pixel = 0;
    if (text.string_flags & SPICE_STRING_FLAGS_RASTER_A1)
        bits_per_pixel = 1;
    else if (text.string_flags & SPICE_STRING_FLAGS_RASTER_A4)
        bits_per_pixel = 4;
    else if (text.string_flags & SPICE_STRING_FLAGS_RASTER_A8)
        bits_per_pixel = 8;
    else
        return Error { "text string without a raster format" };
    for (uint16_t i = 0; i < length; ++i) {
        Glyph glyph;
        glyph.render_position = TRY(read_point(string));
        glyph.origin = TRY(read_point(string));
        glyph.width = TRY(string.read<uint16_t>("glyph width"));
        glyph.height = TRY(string.read<uint16_t>("glyph height"));
        auto bytes = glyph_bytes(bits_per_pixel, glyph.width, glyph.height);
        if (bytes > string.remaining())
            return Error { "glyph data runs past the message" };
        auto data = TRY(string.read_bytes(size_t(bytes), "glyph data"));
        glyph.data.assign(data.begin(), data.end());
        text.glyphs.push_back(std::move(glyph));
    }
    return text;
}

Result<StrokeOp> read_stroke(WireReader& reader, std::span<const uint8_t> body, ImageResolver& resolver)
{
    StrokeOp stroke;
    auto path_offset = TRY(reader.read<uint32_t>("stroke path pointer"));
    stroke.line_flags = TRY(reader.read<uint8_t>("line flags"));
    uint8_t style_segments = 0;
    uint32_t style_offset = 0;
    if (stroke.line_flags & SPICE_LINE_FLAGS_STYLED) {
        style_segments = TRY(reader.read<uint8_t>("line style count"));
        style_offset = TRY(reader.read<uint32_t>("line style pointer"));
    }
    stroke.brush = TRY(read_brush(reader, body, resolver));
    stroke.fore_mode = TRY(reader.read<uint16_t>("stroke fore mode"));
    stroke.back_mode = TRY(reader.read<uint16_t>("stroke back mode"));

    if (style_segments > 0) {
        auto style = TRY(reader_at(body, style_offset, "line style"));
        for (uint8_t i = 0; i < style_segments; ++i)
            stroke.style.push_back(TRY(style.read<int32_t>("line style")));
    }
    auto path = TRY(reader_at(body, path_offset, "stroke path"));
    auto segments = TRY(path.read<uint32_t>("path segment count"));
    // A segment takes at least 5 bytes: the count cannot exceed what the message holds.
    if (segments > path.remaining() / 5)
        return Error { "path segment count " + std::to_string(segments) + " exceeds the message" };
    for (uint32_t i = 0; i < segments; ++i) {
        PathSegment segment;
        segment.flags = TRY(path.read<uint8_t>("path segment flags"));
        auto points = TRY(path.read<uint32_t>("path point count"));
        if (points > path.remaining() / 8)
            return Error { "path point count " + std::to_string(points) + " exceeds the message" };
        for (uint32_t p = 0; p < points; ++p) {
            auto x = TRY(path.read<int32_t>("path point"));
            auto y = TRY(path.read<int32_t>("path point"));
            segment.points.push_back({ x, y });
        }
        stroke.path.push_back(std::move(segment));
    }
    return stroke;
}

Result<DrawOperation> read_operation(uint16_t type, WireReader& reader, std::span<const uint8_t> body, ImageResolver& resolver)
{
    switch (type) {
    case SPICE_MSG_DISPLAY_DRAW_FILL: {
        FillOp fill;
        fill.brush = TRY(read_brush(reader, body, resolver));
        fill.rop_descriptor = TRY(reader.read<uint16_t>("rop descriptor"));
        fill.mask = TRY(read_mask(reader, body, resolver));
        return DrawOperation { std::move(fill) };
    }
    case SPICE_MSG_DISPLAY_DRAW_OPAQUE: {
        OpaqueOp opaque;
        opaque.source = TRY(read_required_image(reader, body, resolver, "DRAW_OPAQUE"));
        opaque.source_area = TRY(read_wire_rect(reader));
        opaque.brush = TRY(read_brush(reader, body, resolver));
        opaque.rop_descriptor = TRY(reader.read<uint16_t>("rop descriptor"));
        opaque.scale_mode = TRY(read_scale_mode(reader));
        opaque.mask = TRY(read_mask(reader, body, resolver));
        return DrawOperation { std::move(opaque) };
    }
    case SPICE_MSG_DISPLAY_DRAW_COPY:
    case SPICE_MSG_DISPLAY_DRAW_BLEND: {
        auto source = TRY(read_required_image(reader, body, resolver, "DRAW_COPY"));
        auto source_area = TRY(read_wire_rect(reader));
        auto rop = TRY(reader.read<uint16_t>("rop descriptor"));
        auto scale = TRY(read_scale_mode(reader));
        auto mask = TRY(read_mask(reader, body, resolver));
        if (type == SPICE_MSG_DISPLAY_DRAW_COPY)
            return DrawOperation { CopyOp { std::move(source), source_area, rop, scale, std::move(mask) } };
        return DrawOperation { BlendOp { std::move(source), source_area, rop, scale, std::move(mask) } };
    }
    case SPICE_MSG_DISPLAY_DRAW_BLACKNESS:
        return DrawOperation { BlacknessOp { TRY(read_mask(reader, body, resolver)) } };
    case SPICE_MSG_DISPLAY_DRAW_WHITENESS:
        return DrawOperation { WhitenessOp { TRY(read_mask(reader, body, resolver)) } };
    case SPICE_MSG_DISPLAY_DRAW_INVERS:
        return DrawOperation { InversOp { TRY(read_mask(reader, body, resolver)) } };
    case SPICE_MSG_DISPLAY_DRAW_ROP3: {
        Rop3Op rop3;
        rop3.source = TRY(read_required_image(reader, body, resolver, "DRAW_ROP3"));
        rop3.source_area = TRY(read_wire_rect(reader));
        rop3.brush = TRY(read_brush(reader, body, resolver));
        rop3.rop3 = TRY(reader.read<uint8_t>("rop3"));
        rop3.scale_mode = TRY(read_scale_mode(reader));
        rop3.mask = TRY(read_mask(reader, body, resolver));
        return DrawOperation { std::move(rop3) };
    }
    case SPICE_MSG_DISPLAY_DRAW_STROKE:
        return DrawOperation { TRY(read_stroke(reader, body, resolver)) };
    case SPICE_MSG_DISPLAY_DRAW_TEXT:
        return DrawOperation { TRY(read_text(reader, body, resolver)) };
    case SPICE_MSG_DISPLAY_DRAW_TRANSPARENT: {
        TransparentOp transparent;
        transparent.source = TRY(read_required_image(reader, body, resolver, "DRAW_TRANSPARENT"));
        transparent.source_area = TRY(read_wire_rect(reader));
        transparent.transparent_color = TRY(reader.read<uint32_t>("transparent colour"));
        transparent.true_color = TRY(reader.read<uint32_t>("true colour"));
        return DrawOperation { std::move(transparent) };
    }
    case SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND: {
        AlphaBlendOp blend;
        blend.alpha_flags = TRY(reader.read<uint8_t>("alpha flags"));
        blend.alpha = TRY(reader.read<uint8_t>("alpha"));
        blend.source = TRY(read_required_image(reader, body, resolver, "DRAW_ALPHA_BLEND"));
        blend.source_area = TRY(read_wire_rect(reader));
        return DrawOperation { std::move(blend) };
    }
    case SPICE_MSG_DISPLAY_COPY_BITS:
        return DrawOperation { CopyBitsOp { TRY(read_point(reader)) } };
    }
    return Error { "message type " + std::to_string(type) + " is not a drawing" };
}

} // namespace

Result<Rect> read_wire_rect(WireReader& reader)
{
    Rect rect;
    rect.top = TRY(reader.read<int32_t>("rect"));
    rect.left = TRY(reader.read<int32_t>("rect"));
    rect.bottom = TRY(reader.read<int32_t>("rect"));
    rect.right = TRY(reader.read<int32_t>("rect"));
    return rect;
}

Result<std::optional<std::vector<Rect>>> read_wire_clip(WireReader& reader)
{
    auto type = TRY(reader.read<uint8_t>("clip type"));
    if (type == SPICE_CLIP_TYPE_NONE)
        return std::optional<std::vector<Rect>> {};
    if (type != SPICE_CLIP_TYPE_RECTS)
        return Error { "unknown clip type " + std::to_string(type) };
    auto count = TRY(reader.read<uint32_t>("clip rectangle count"));
    if (count > kMaxDrawListLength || count > reader.remaining() / 16)
        return Error { "clip rectangle count " + std::to_string(count) + " exceeds the message" };
    std::vector<Rect> rects;
    rects.reserve(count);
    for (uint32_t i = 0; i < count; ++i)
        rects.push_back(TRY(read_wire_rect(reader)));
    return std::optional<std::vector<Rect>> { std::move(rects) };
}

bool is_draw_message(uint16_t message_type)
{
    return message_type == SPICE_MSG_DISPLAY_COPY_BITS
        || (message_type >= SPICE_MSG_DISPLAY_DRAW_FILL && message_type <= SPICE_MSG_DISPLAY_DRAW_ALPHA_BLEND);
}

Result<DrawCommand> parse_draw_message(uint16_t message_type, std::span<const uint8_t> body, ImageResolver& resolver)
{
    if (!is_draw_message(message_type))
        return Error { "message type " + std::to_string(message_type) + " is not a drawing" };
    WireReader reader(body);
    DrawCommand command;
    command.surface_id = TRY(reader.read<uint32_t>("draw surface id"));
    command.bbox = TRY(read_wire_rect(reader));
    command.clip = TRY(read_wire_clip(reader));
    command.operation = TRY(read_operation(message_type, reader, body, resolver));
    return command;
}

} // namespace spicebox
