#include "qxl/qxl_command_parser.h"

#include <cstddef>
#include <cstring>
#include <unordered_set>

namespace spicebox {

namespace {

constexpr int32_t no_surface = -1; // surfaces_dest entries that name no dependency
// The entries of QXLDrawable's surfaces_dest: counted here because std::size would bind a reference
// to the packed, misaligned array (undefined behaviour UBSan reports).
constexpr size_t surface_dependencies = 3;
static_assert(sizeof(QXLDrawable::surfaces_dest) == surface_dependencies * sizeof(int32_t));

std::string number(uint64_t value)
{
    return std::to_string(value);
}

bool known_bitmap_format(uint8_t format)
{
    return format >= SPICE_BITMAP_FMT_1BIT_LE && format <= SPICE_BITMAP_FMT_8BIT_A;
}

bool known_surface_format(uint32_t format)
{
    switch (format) {
    case SPICE_SURFACE_FMT_1_A:
    case SPICE_SURFACE_FMT_8_A:
    case SPICE_SURFACE_FMT_16_555:
    case SPICE_SURFACE_FMT_32_xRGB:
    case SPICE_SURFACE_FMT_16_565:
    case SPICE_SURFACE_FMT_32_ARGB:
        return true;
    }
    return false;
}

uint64_t row_bytes(uint64_t width, uint32_t bits)
{
    return (width * bits + 7) / 8;
}

template<typename T>
T copy_out(std::span<const uint8_t> bytes, size_t offset = 0)
{
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

uint32_t glyph_bits(uint16_t flags)
{
    switch (flags & (SPICE_STRING_FLAGS_RASTER_A1 | SPICE_STRING_FLAGS_RASTER_A4 | SPICE_STRING_FLAGS_RASTER_A8)) {
    case SPICE_STRING_FLAGS_RASTER_A1:
        return 1;
    case SPICE_STRING_FLAGS_RASTER_A4:
        return 4;
    case SPICE_STRING_FLAGS_RASTER_A8:
        return 8;
    }
    return 0;
}

}

QxlCommandParser::QxlCommandParser(const QxlMemorySlots& slots, std::span<const QxlSurfaceExtent> surfaces, QxlParserLimits limits)
    : m_slots(slots)
    , m_surfaces(surfaces)
    , m_limits(limits)
{
}

template<typename T>
Result<T> QxlCommandParser::read(QXLPHYSICAL address)
{
    auto bytes = TRY(m_slots.translate(address, sizeof(T)));
    return copy_out<T>(bytes);
}

void QxlCommandParser::drop(std::string reason, bool routine)
{
    if (m_dropped.empty()) {
        m_dropped = std::move(reason);
        m_dropped_routinely = routine;
    }
}

Result<std::vector<uint8_t>> QxlCommandParser::read_chunks(QXLPHYSICAL first, uint64_t expected)
{
    if (expected > m_limits.max_object_bytes)
        return Error { "object of " + number(expected) + " bytes exceeds the limit" };
    std::vector<uint8_t> data;
    data.reserve(expected);
    std::unordered_set<QXLPHYSICAL> visited;
    for (QXLPHYSICAL chunk = first; chunk != 0;) {
        if (visited.size() == m_limits.max_chunks)
            return Error { "chunk chain longer than " + number(m_limits.max_chunks) + " chunks" };
        if (!visited.insert(chunk).second)
            return Error { "chunk chain loops" };
        auto header = TRY(read<QXLDataChunk>(chunk));
        if (header.data_size > expected - data.size())
            return Error { "chunk data exceeds the " + number(expected) + " bytes expected" };
        auto bytes = TRY(m_slots.translate(TRY(QxlMemorySlots::advance(chunk, sizeof(QXLDataChunk))), header.data_size));
        data.insert(data.end(), bytes.begin(), bytes.end());
        chunk = header.next_chunk;
    }
    if (data.size() != expected)
        return Error { "chunk chain holds " + number(data.size()) + " bytes, " + number(expected) + " expected" };
    return data;
}

Result<Rect> QxlCommandParser::rect(const QXLRect& area) const
{
    if (area.left > area.right || area.top > area.bottom)
        return Error { "disordered rectangle" };
    return Rect { .left = area.left, .top = area.top, .right = area.right, .bottom = area.bottom };
}

Result<uint32_t> QxlCommandParser::surface_id(uint32_t id) const
{
    if (id >= m_surfaces.size())
        return Error { "surface id " + number(id) + " out of range" };
    return id;
}

Result<ScaleMode> QxlCommandParser::scale_mode(uint8_t mode) const
{
    if (mode != SPICE_IMAGE_SCALE_MODE_INTERPOLATE && mode != SPICE_IMAGE_SCALE_MODE_NEAREST)
        return Error { "unknown scale mode " + number(mode) };
    return ScaleMode(mode);
}

Result<void> QxlCommandParser::palette(QXLPHYSICAL address, Bitmap& bitmap)
{
    if (address == 0)
        return Error { "palettised bitmap without a palette" };
    auto header = TRY(read<QXLPalette>(address));
    size_t size = size_t(1) << bits_per_pixel(bitmap.format);
    size_t given = std::min<size_t>(header.num_ents, size);
    auto entries = TRY(m_slots.translate(TRY(QxlMemorySlots::advance(address, sizeof(QXLPalette))), given * sizeof(uint32_t)));
    bitmap.palette.assign(size, 0);
    std::memcpy(bitmap.palette.data(), entries.data(), given * sizeof(uint32_t));
    bitmap.palette_id = header.unique;
    return {};
}

Result<Bitmap> QxlCommandParser::bitmap(const QXLBitmap& source)
{
    if (!known_bitmap_format(source.format))
        return Error { "unknown bitmap format " + number(source.format) };
    Bitmap result;
    result.format = BitmapFormat(source.format);
    uint32_t bits = bits_per_pixel(result.format);
    if (source.x == 0 || source.y == 0 || source.x > m_limits.max_image_dimension || source.y > m_limits.max_image_dimension)
        return Error { "bitmap size " + number(source.x) + "x" + number(source.y) + " out of range" };
    uint64_t row = row_bytes(source.x, bits);
    if (source.stride < row)
        return Error { "bitmap stride " + number(source.stride) + " below its row size " + number(row) };
    uint64_t bytes = uint64_t(source.stride) * source.y;
    if (bytes > m_limits.max_object_bytes)
        return Error { "bitmap of " + number(bytes) + " bytes exceeds the limit" };

    result.width = source.x;
    result.height = source.y;
    result.stride = uint32_t(row);
    if (has_palette(result.format))
        TRY(palette(source.palette, result));

    std::vector<uint8_t> chunked;
    std::span<const uint8_t> data;
    if (source.flags & QXL_BITMAP_DIRECT) {
        data = TRY(m_slots.translate(source.data, bytes));
    } else {
        chunked = TRY(read_chunks(source.data, bytes));
        data = chunked;
    }
    bool top_down = source.flags & QXL_BITMAP_TOP_DOWN;
    result.pixels.resize(row * source.y);
    for (uint32_t y = 0; y < source.y; ++y) {
        uint32_t from = top_down ? y : source.y - 1 - y;
        std::memcpy(result.pixels.data() + y * row, data.data() + uint64_t(from) * source.stride, row);
    }
    return result;
}

Result<Image> QxlCommandParser::image(QXLPHYSICAL address)
{
    auto descriptor = TRY(read<QXLImageDescriptor>(address));
    QXLPHYSICAL body = TRY(QxlMemorySlots::advance(address, offsetof(QXLImage, bitmap)));
    Image result { .id = descriptor.id, .cacheable = (descriptor.flags & QXL_IMAGE_CACHE) != 0, .source = SurfaceImage {} };
    switch (descriptor.type) {
    case SPICE_IMAGE_TYPE_BITMAP:
        result.source = TRY(bitmap(TRY(read<QXLBitmap>(body))));
        return result;
    case SPICE_IMAGE_TYPE_SURFACE: {
        uint32_t id = TRY(surface_id(TRY(read<QXLSurfaceId>(body)).surface_id));
        if (!m_surfaces[id].live)
            drop("source surface " + number(id) + " does not exist");
        result.source = SurfaceImage { id };
        return result;
    }
    case SPICE_IMAGE_TYPE_QUIC:
    case SPICE_IMAGE_TYPE_LZ_PLT:
    case SPICE_IMAGE_TYPE_LZ_RGB:
    case SPICE_IMAGE_TYPE_GLZ_RGB:
    case SPICE_IMAGE_TYPE_FROM_CACHE:
    case SPICE_IMAGE_TYPE_JPEG:
    case SPICE_IMAGE_TYPE_FROM_CACHE_LOSSLESS:
    case SPICE_IMAGE_TYPE_ZLIB_GLZ_RGB:
    case SPICE_IMAGE_TYPE_JPEG_ALPHA:
    case SPICE_IMAGE_TYPE_LZ4:
        drop("image type " + number(descriptor.type) + " (compressed or cached) is not supported from the guest");
        return result;
    }
    return Error { "unknown image type " + number(descriptor.type) };
}

Result<Brush> QxlCommandParser::brush(const QXLBrush& source)
{
    switch (source.type) {
    case SPICE_BRUSH_TYPE_NONE:
        return Brush {};
    case SPICE_BRUSH_TYPE_SOLID:
        return Brush { SolidBrush { source.u.color } };
    case SPICE_BRUSH_TYPE_PATTERN:
        return Brush { PatternBrush { TRY(image(source.u.pattern.pat)), Point { source.u.pattern.pos.x, source.u.pattern.pos.y } } };
    }
    return Error { "unknown brush type " + number(source.type) };
}

Result<std::optional<Mask>> QxlCommandParser::mask(const QXLQMask& source)
{
    if (source.bitmap == 0)
        return std::optional<Mask> {};
    return std::optional<Mask> { Mask {
        .inverted = (source.flags & SPICE_MASK_FLAGS_INVERS) != 0,
        .position = Point { source.pos.x, source.pos.y },
        .bitmap = TRY(image(source.bitmap)),
    } };
}

Result<std::optional<std::vector<Rect>>> QxlCommandParser::clip(const QXLClip& source)
{
    switch (source.type) {
    case SPICE_CLIP_TYPE_NONE:
        return std::optional<std::vector<Rect>> {};
    case SPICE_CLIP_TYPE_RECTS: {
        uint32_t count = TRY(read<uint32_t>(source.data));
        if (count > m_limits.max_clip_rects)
            return Error { number(count) + " clip rectangles exceed the limit" };
        auto bytes = TRY(read_chunks(TRY(QxlMemorySlots::advance(source.data, offsetof(QXLClipRects, chunk))), uint64_t(count) * sizeof(QXLRect)));
        std::vector<Rect> rects;
        rects.reserve(count);
        for (uint32_t i = 0; i < count; ++i)
            rects.push_back(TRY(rect(copy_out<QXLRect>(bytes, i * sizeof(QXLRect)))));
        return std::optional<std::vector<Rect>> { std::move(rects) };
    }
    }
    return Error { "unknown clip type " + number(source.type) };
}

Result<StrokeOp> QxlCommandParser::stroke(const QXLStroke& source)
{
    StrokeOp op;
    uint32_t path_bytes = TRY(read<uint32_t>(source.path));
    auto path = TRY(read_chunks(TRY(QxlMemorySlots::advance(source.path, offsetof(QXLPath, chunk))), path_bytes));
    for (size_t at = 0; at < path.size();) {
        if (path.size() - at < sizeof(QXLPathSeg))
            return Error { "truncated path segment" };
        auto segment = copy_out<QXLPathSeg>(path, at);
        at += sizeof(QXLPathSeg);
        if (segment.count > (path.size() - at) / sizeof(QXLPointFix))
            return Error { "path segment with " + number(segment.count) + " points overruns the path" };
        PathSegment parsed { .flags = segment.flags, .points = {} };
        for (uint32_t i = 0; i < segment.count; ++i, at += sizeof(QXLPointFix)) {
            auto point = copy_out<QXLPointFix>(path, at);
            parsed.points.push_back({ point.x, point.y });
        }
        op.path.push_back(std::move(parsed));
    }
    op.line_flags = source.attr.flags;
    if (source.attr.flags & SPICE_LINE_FLAGS_STYLED) {
        auto style = TRY(m_slots.translate(source.attr.style, uint64_t(source.attr.style_nseg) * sizeof(QXLFIXED)));
        for (uint8_t i = 0; i < source.attr.style_nseg; ++i)
            op.style.push_back(copy_out<QXLFIXED>(style, i * sizeof(QXLFIXED)));
    }
    op.brush = TRY(brush(source.brush));
    op.fore_mode = source.fore_mode;
    op.back_mode = source.back_mode;
    return op;
}

Result<TextOp> QxlCommandParser::text(const QXLText& source)
{
    TextOp op;
    auto header = TRY(read<QXLString>(source.str));
    uint32_t bits = glyph_bits(header.flags);
    if (bits == 0)
        return Error { "text string flags " + number(header.flags) + " name no single raster depth" };
    auto glyphs = TRY(read_chunks(TRY(QxlMemorySlots::advance(source.str, offsetof(QXLString, chunk))), header.data_size));
    size_t at = 0;
    for (uint16_t i = 0; i < header.length; ++i) {
        if (glyphs.size() - at < sizeof(QXLRasterGlyph))
            return Error { "truncated glyph" };
        auto glyph = copy_out<QXLRasterGlyph>(glyphs, at);
        at += sizeof(QXLRasterGlyph);
        uint64_t bytes = row_bytes(glyph.width, bits) * glyph.height;
        if (bytes > glyphs.size() - at)
            return Error { "glyph data overruns the string" };
        op.glyphs.push_back(Glyph {
            .render_position = { glyph.render_pos.x, glyph.render_pos.y },
            .origin = { glyph.glyph_origin.x, glyph.glyph_origin.y },
            .width = glyph.width,
            .height = glyph.height,
            .data = std::vector<uint8_t>(glyphs.begin() + at, glyphs.begin() + at + bytes),
        });
        at += bytes;
    }
    op.string_flags = header.flags;
    op.back_area = TRY(rect(source.back_area));
    op.fore_brush = TRY(brush(source.fore_brush));
    op.back_brush = TRY(brush(source.back_brush));
    op.fore_mode = source.fore_mode;
    op.back_mode = source.back_mode;
    return op;
}

Result<DrawOperation> QxlCommandParser::operation(const QXLDrawable& drawable)
{
    // Operations with several parts are filled in one statement per part: a TRY that returns from
    // inside a braced initializer skips the destructors of the members already built (GCC and clang
    // both leak them), which let a guest leak a bitmap per bad drawable.
    const auto& u = drawable.u;
    switch (drawable.type) {
    case QXL_DRAW_FILL: {
        FillOp op;
        op.brush = TRY(brush(u.fill.brush));
        op.rop_descriptor = u.fill.rop_descriptor;
        op.mask = TRY(mask(u.fill.mask));
        return DrawOperation { std::move(op) };
    }
    case QXL_DRAW_OPAQUE: {
        OpaqueOp op;
        op.source = TRY(image(u.opaque.src_bitmap));
        op.source_area = TRY(rect(u.opaque.src_area));
        op.brush = TRY(brush(u.opaque.brush));
        op.rop_descriptor = u.opaque.rop_descriptor;
        op.scale_mode = TRY(scale_mode(u.opaque.scale_mode));
        op.mask = TRY(mask(u.opaque.mask));
        return DrawOperation { std::move(op) };
    }
    case QXL_DRAW_COPY: {
        CopyOp op;
        op.source = TRY(image(u.copy.src_bitmap));
        op.source_area = TRY(rect(u.copy.src_area));
        op.rop_descriptor = u.copy.rop_descriptor;
        op.scale_mode = TRY(scale_mode(u.copy.scale_mode));
        op.mask = TRY(mask(u.copy.mask));
        return DrawOperation { std::move(op) };
    }
    case QXL_DRAW_BLEND: {
        BlendOp op;
        op.source = TRY(image(u.blend.src_bitmap));
        op.source_area = TRY(rect(u.blend.src_area));
        op.rop_descriptor = u.blend.rop_descriptor;
        op.scale_mode = TRY(scale_mode(u.blend.scale_mode));
        op.mask = TRY(mask(u.blend.mask));
        return DrawOperation { std::move(op) };
    }
    case QXL_DRAW_TRANSPARENT: {
        TransparentOp op;
        op.source = TRY(image(u.transparent.src_bitmap));
        op.source_area = TRY(rect(u.transparent.src_area));
        op.transparent_color = u.transparent.src_color;
        op.true_color = u.transparent.true_color;
        return DrawOperation { std::move(op) };
    }
    case QXL_DRAW_ALPHA_BLEND: {
        AlphaBlendOp op;
        op.alpha_flags = uint8_t(u.alpha_blend.alpha_flags);
        op.alpha = u.alpha_blend.alpha;
        op.source = TRY(image(u.alpha_blend.src_bitmap));
        op.source_area = TRY(rect(u.alpha_blend.src_area));
        return DrawOperation { std::move(op) };
    }
    case QXL_COPY_BITS:
        return DrawOperation { CopyBitsOp { Point { u.copy_bits.src_pos.x, u.copy_bits.src_pos.y } } };
    case QXL_DRAW_BLACKNESS:
        return DrawOperation { BlacknessOp { TRY(mask(u.blackness.mask)) } };
    case QXL_DRAW_WHITENESS:
        return DrawOperation { WhitenessOp { TRY(mask(u.whiteness.mask)) } };
    case QXL_DRAW_INVERS:
        return DrawOperation { InversOp { TRY(mask(u.invers.mask)) } };
    case QXL_DRAW_ROP3: {
        Rop3Op op;
        op.source = TRY(image(u.rop3.src_bitmap));
        op.source_area = TRY(rect(u.rop3.src_area));
        op.brush = TRY(brush(u.rop3.brush));
        op.rop3 = u.rop3.rop3;
        op.scale_mode = TRY(scale_mode(u.rop3.scale_mode));
        op.mask = TRY(mask(u.rop3.mask));
        return DrawOperation { std::move(op) };
    }
    case QXL_DRAW_STROKE:
        return DrawOperation { TRY(stroke(u.stroke)) };
    case QXL_DRAW_TEXT:
        return DrawOperation { TRY(text(u.text)) };
    }
    return Error { "unknown drawable type " + number(drawable.type) };
}

Result<std::optional<DrawCommand>> QxlCommandParser::parse_drawable(std::span<const uint8_t> bytes)
{
    m_dropped.clear();
    m_dropped_routinely = false;
    auto drawable = copy_out<QXLDrawable>(bytes);
    DrawCommand command;
    command.surface_id = TRY(surface_id(drawable.surface_id));
    command.bbox = TRY(rect(drawable.bbox));
    command.effect = drawable.effect;
    command.mm_time = drawable.mm_time;
    if (drawable.self_bitmap)
        command.self_bitmap_area = TRY(rect(drawable.self_bitmap_area));
    for (size_t i = 0; i < surface_dependencies; ++i) {
        if (drawable.surfaces_dest[i] == no_surface)
            continue;
        uint32_t id = TRY(surface_id(uint32_t(drawable.surfaces_dest[i])));
        if (!m_surfaces[id].live)
            drop("drawing depends on surface " + number(id) + ", which does not exist");
        command.dependencies.push_back({ id, TRY(rect(drawable.surfaces_rects[i])) });
    }
    command.clip = TRY(clip(drawable.clip));
    if (drawable.type == QXL_DRAW_NOP)
        return std::optional<DrawCommand> {};
    if (drawable.type == QXL_DRAW_COMPOSITE) {
        drop("COMPOSITE drawables are not supported (the ROM does not advertise the capability)");
        return std::optional<DrawCommand> {};
    }
    command.operation = TRY(operation(drawable));

    const QxlSurfaceExtent& target = m_surfaces[command.surface_id];
    if (!target.live)
        drop("drawing on surface " + number(command.surface_id) + ", which does not exist");
    else if (command.bbox.left < 0 || command.bbox.top < 0 || uint32_t(command.bbox.right) > target.width || uint32_t(command.bbox.bottom) > target.height)
        drop("bounding box (" + std::to_string(command.bbox.left) + "," + std::to_string(command.bbox.top) + ")-(" + std::to_string(command.bbox.right) + ","
            + std::to_string(command.bbox.bottom) + ") outside surface " + number(command.surface_id) + " (" + number(target.width) + "x"
            + number(target.height) + ")",
            true);
    if (!m_dropped.empty())
        return std::optional<DrawCommand> {};
    return std::optional<DrawCommand> { std::move(command) };
}

Result<CursorShape> QxlCommandParser::cursor_shape(QXLPHYSICAL address)
{
    auto cursor = TRY(read<QXLCursor>(address));
    const auto& header = cursor.header;
    if (header.type > SPICE_CURSOR_TYPE_COLOR32)
        return Error { "unknown cursor type " + number(header.type) };
    if (header.width > m_limits.max_cursor_dimension || header.height > m_limits.max_cursor_dimension)
        return Error { "cursor size " + number(header.width) + "x" + number(header.height) + " out of range" };
    uint64_t pixels = uint64_t(header.width) * header.height;
    uint64_t minimum = 0;
    if (header.type == SPICE_CURSOR_TYPE_ALPHA)
        minimum = pixels * 4;
    else if (header.type == SPICE_CURSOR_TYPE_MONO)
        minimum = 2 * row_bytes(header.width, 1) * header.height;
    if (cursor.data_size < minimum)
        return Error { "cursor data of " + number(cursor.data_size) + " bytes, " + number(minimum) + " needed" };
    return CursorShape {
        .unique = header.unique,
        .type = CursorType(header.type),
        .width = header.width,
        .height = header.height,
        .hot_spot_x = header.hot_spot_x,
        .hot_spot_y = header.hot_spot_y,
        .data = TRY(read_chunks(TRY(QxlMemorySlots::advance(address, offsetof(QXLCursor, chunk))), cursor.data_size)),
    };
}

Result<std::optional<CursorCommand>> QxlCommandParser::parse_cursor(std::span<const uint8_t> bytes)
{
    m_dropped.clear();
    m_dropped_routinely = false;
    auto command = copy_out<QXLCursorCmd>(bytes);
    switch (command.type) {
    case QXL_CURSOR_SET:
        return std::optional<CursorCommand> { CursorSet {
            .position = { command.u.set.position.x, command.u.set.position.y },
            .visible = command.u.set.visible != 0,
            .shape = TRY(cursor_shape(command.u.set.shape)),
        } };
    case QXL_CURSOR_MOVE:
        return std::optional<CursorCommand> { CursorMove { { command.u.position.x, command.u.position.y } } };
    case QXL_CURSOR_HIDE:
        return std::optional<CursorCommand> { CursorHide {} };
    case QXL_CURSOR_TRAIL:
        return std::optional<CursorCommand> { CursorTrail { command.u.trail.length, command.u.trail.frequency } };
    }
    return Error { "unknown cursor command " + number(command.type) };
}

Result<SurfaceCommand> QxlCommandParser::parse_surface(std::span<const uint8_t> bytes)
{
    m_dropped.clear();
    m_dropped_routinely = false;
    auto command = copy_out<QXLSurfaceCmd>(bytes);
    uint32_t id = TRY(surface_id(command.surface_id));
    if (command.type == QXL_SURFACE_CMD_DESTROY)
        return SurfaceCommand { SurfaceDestroy { id } };
    if (command.type != QXL_SURFACE_CMD_CREATE)
        return Error { "unknown surface command " + number(command.type) };

    const QXLSurface& surface = command.u.surface_create;
    if (!known_surface_format(surface.format))
        return Error { "unknown surface format " + number(surface.format) };
    SurfaceFormat format = SurfaceFormat(surface.format);
    if (surface.width == 0 || surface.height == 0 || surface.width > m_limits.max_image_dimension || surface.height > m_limits.max_image_dimension)
        return Error { "surface size " + number(surface.width) + "x" + number(surface.height) + " out of range" };
    if (surface.stride == INT32_MIN || surface.stride % 4 != 0)
        return Error { "surface stride " + std::to_string(surface.stride) + " is not a multiple of 4" };
    uint64_t stride = uint64_t(surface.stride < 0 ? -int64_t(surface.stride) : surface.stride);
    if (stride < row_bytes(surface.width, bits_per_pixel(format)))
        return Error { "surface stride " + std::to_string(surface.stride) + " below its row size" };
    return SurfaceCommand { SurfaceCreate {
        .surface_id = id,
        .width = surface.width,
        .height = surface.height,
        .stride = surface.stride,
        .format = format,
        .primary = false,
        .keep_data = (command.flags & QXL_SURF_FLAG_KEEP_DATA) != 0,
        .memory = TRY(m_slots.translate(surface.data, stride * surface.height)),
    } };
}

Result<std::optional<MonitorsConfig>> QxlCommandParser::parse_monitors_config(QXLPHYSICAL address)
{
    m_dropped.clear();
    m_dropped_routinely = false;
    auto header = TRY(read<QXLMonitorsConfig>(address));
    if (header.count == 0) {
        drop("empty monitors config");
        return std::optional<MonitorsConfig> {};
    }
    if ((header.max_allowed != 0 && header.count > header.max_allowed) || header.count > m_limits.max_monitors) {
        drop("monitors config with " + number(header.count) + " heads (" + number(header.max_allowed) + " allowed)");
        return std::optional<MonitorsConfig> {};
    }
    auto heads = TRY(m_slots.translate(TRY(QxlMemorySlots::advance(address, sizeof(QXLMonitorsConfig))), header.count * sizeof(QXLHead)));
    MonitorsConfig config { .max_allowed = header.max_allowed, .heads = {} };
    for (uint16_t i = 0; i < header.count; ++i) {
        auto head = copy_out<QXLHead>(heads, i * sizeof(QXLHead));
        config.heads.push_back({ head.id, head.surface_id, head.width, head.height, head.x, head.y, head.flags });
    }
    return std::optional<MonitorsConfig> { std::move(config) };
}

} // namespace spicebox
