#include "spice-common/canvas.h"

#include "base/log.h"
#include "spice-common/bitmap_image.h"
#include "spice-common/glyph_mask.h"
#include "spice-common/pixman_handles.h"
#include "spice-common/raster_ops.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace spicebox {

namespace {

constexpr const char* log_component = "canvas";

// Kinds of drawing the canvas does not render, each logged once per canvas.
enum class Unsupported : uint32_t {
    Stroke = 1u << 0,
    SubByteRaster = 1u << 1,
};

// Rectangles of unscaled draws may lie anywhere within this range (products of two coordinates
// stay far from 64-bit overflow); scaled draws must fit pixman's 16.16 fixed-point coordinates.
constexpr int32_t max_coordinate = 1 << 24;
constexpr int32_t max_scaled_coordinate = 32767;

bool within(const Rect& rect, int32_t limit)
{
    return rect.left >= -limit && rect.top >= -limit && rect.right <= limit && rect.bottom <= limit;
}

std::string text(const Rect& rect)
{
    return "(" + std::to_string(rect.left) + "," + std::to_string(rect.top) + ")-(" + std::to_string(rect.right) + ","
        + std::to_string(rect.bottom) + ")";
}

Rect intersection(const Rect& a, const Rect& b)
{
    return Rect { std::max(a.left, b.left), std::max(a.top, b.top), std::min(a.right, b.right),
        std::min(a.bottom, b.bottom) };
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

// Non-negative remainder, for tiling with a pattern origin anywhere.
int32_t wrap(int64_t value, int32_t period)
{
    int64_t result = value % period;
    return int32_t(result < 0 ? result + period : result);
}

pixman_format_code_t pixman_format_of(SurfaceFormat format)
{
    switch (format) {
    case SurfaceFormat::A1:
        return PIXMAN_a1;
    case SurfaceFormat::A8:
        return PIXMAN_a8;
    case SurfaceFormat::Rgb555:
        return PIXMAN_x1r5g5b5;
    case SurfaceFormat::Rgb565:
        return PIXMAN_r5g6b5;
    case SurfaceFormat::Xrgb8888:
        return PIXMAN_x8r8g8b8;
    case SurfaceFormat::Argb8888:
        return PIXMAN_a8r8g8b8;
    }
    return pixman_format_code_t(0);
}

// A 1x1 repeating image holding `pixel`, a raw pixel of `format`: pixman then paints it unchanged.
PixmanImage solid_pixel(pixman_format_code_t format, uint32_t pixel)
{
    PixmanImage image(pixman_image_create_bits(format, 1, 1, nullptr, 0));
    if (!image)
        return image;
    auto* bytes = reinterpret_cast<uint8_t*>(pixman_image_get_data(image.get()));
    switch (PIXMAN_FORMAT_BPP(format)) {
    case 32:
        std::memcpy(bytes, &pixel, 4);
        break;
    case 16: {
        auto value = uint16_t(pixel);
        std::memcpy(bytes, &value, 2);
        break;
    }
    case 8:
        bytes[0] = uint8_t(pixel);
        break;
    default:
        bytes[0] = uint8_t(pixel & 1); // a1: pixel 0 is the least significant bit
        break;
    }
    pixman_image_set_repeat(image.get(), PIXMAN_REPEAT_NORMAL);
    return image;
}

// `rgb` (0x00RRGGBB) as a raw pixel of `format`, converted by pixman.
uint32_t pixel_of_rgb(uint32_t rgb, pixman_format_code_t format)
{
    uint32_t in = rgb;
    uint32_t out = 0;
    PixmanImage source(pixman_image_create_bits(PIXMAN_x8r8g8b8, 1, 1, &in, 4));
    PixmanImage destination(pixman_image_create_bits(format, 1, 1, &out, 4));
    if (!source || !destination)
        return 0;
    pixman_image_composite32(PIXMAN_OP_SRC, source.get(), nullptr, destination.get(), 0, 0, 0, 0, 0, 0, 1, 1);
    return out;
}

bool depends_on_source(uint8_t code) { return ((code >> 2) ^ code) & 0x33; }
bool depends_on_pattern(uint8_t code) { return ((code >> 4) ^ code) & 0x0F; }

} // namespace

struct CanvasSurface {
    uint32_t id { 0 };
    uint32_t width { 0 };
    uint32_t height { 0 };
    SurfaceFormat format { SurfaceFormat::Xrgb8888 };
    pixman_format_code_t pixman_format { PIXMAN_x8r8g8b8 };
    std::span<uint8_t> memory;  // the device's memory for the surface; empty for a host-only surface
    int32_t memory_stride { 0 };
    std::vector<uint32_t> shadow; // host pixels, when `memory` cannot be handed to pixman
    PixmanImage image;

    uint32_t bits_per_pixel() const { return PIXMAN_FORMAT_BPP(pixman_format); }
    Rect bounds() const { return Rect { 0, 0, int32_t(width), int32_t(height) }; }
    RasterRows rows() const
    {
        return RasterRows { reinterpret_cast<uint8_t*>(pixman_image_get_data(image.get())),
            pixman_image_get_stride(image.get()) };
    }
    // Another pixman image over the same pixels, read as `format` (same depth).
    PixmanImage view(pixman_format_code_t format) const
    {
        return PixmanImage(pixman_image_create_bits_no_clear(format, int(width), int(height),
            pixman_image_get_data(image.get()), pixman_image_get_stride(image.get())));
    }
    // Copies the host pixels of `area` into the device's memory.
    void write_back(const Rect& area)
    {
        if (shadow.empty() || memory.empty())
            return;
        Rect visible = intersection(area, bounds());
        if (visible.empty())
            return;
        size_t first_byte = size_t(visible.left) * bits_per_pixel() / 8;
        size_t end_byte = (size_t(visible.right) * bits_per_pixel() + 7) / 8;
        size_t stride = size_t(memory_stride < 0 ? -int64_t(memory_stride) : memory_stride);
        RasterRows host = rows();
        for (int32_t y = visible.top; y < visible.bottom; ++y) {
            size_t memory_row = memory_stride < 0 ? height - 1 - uint32_t(y) : uint32_t(y);
            std::memcpy(memory.data() + memory_row * stride + first_byte, host.row(y) + first_byte,
                end_byte - first_byte);
        }
    }
};

namespace {

// How a command's source rectangle lands on its destination: the pixels of `source` are stretched
// over `destination` (copied one to one when the sizes agree).
struct Placement {
    Rect source;
    Rect destination;
    bool scaled() const
    {
        return source.width() != destination.width() || source.height() != destination.height();
    }
};

// A source of pixels: a solid colour, a tiled pattern, or an image placed on the destination.
struct Operand {
    enum class Kind { Solid, Tiled, Placed };
    Kind kind { Kind::Solid };
    uint32_t color { 0 };              // Solid: a raw pixel of the target's format
    pixman_image_t* image { nullptr }; // Tiled, Placed (owned by a SourceImage of the caller)
    Point tile_origin;                 // Tiled: where the pattern's top-left pixel repeats from
    Placement placement;               // Placed
    ScaleMode scale_mode { ScaleMode::Nearest };
};

// Where painting goes: a pixman image whose top-left pixel is (x, y) in surface coordinates.
struct Target {
    pixman_image_t* image { nullptr };
    int32_t x { 0 };
    int32_t y { 0 };
};

// An image a command reads, kept alive for the command: a converted bitmap or a view of a surface.
struct SourceImage {
    std::optional<BitmapImage> bitmap;
    PixmanImage view;
    pixman_image_t* get() const { return bitmap ? bitmap->get() : view.get(); }
    int32_t width() const { return pixman_image_get_width(get()); }
    int32_t height() const { return pixman_image_get_height(get()); }
};

} // namespace

class Canvas::Renderer {
public:
    Renderer(Canvas& canvas, CanvasSurface& target, const DrawCommand& command)
        : m_canvas(canvas)
        , m_target(target)
        , m_command(command)
        , m_region(intersection(command.bbox, target.bounds()))
    {
    }

    Result<void> run()
    {
        if (!within(m_command.bbox, max_coordinate))
            return Error { "bounding box " + text(m_command.bbox) + " out of range" };
        if (m_command.clip) {
            std::vector<pixman_box32_t> boxes;
            boxes.reserve(m_command.clip->size());
            for (const Rect& rect : *m_command.clip) {
                Rect clipped = intersection(rect, m_target.bounds());
                if (!clipped.empty())
                    boxes.push_back(pixman_box32_t { clipped.left, clipped.top, clipped.right, clipped.bottom });
            }
            PixmanRegion clip(boxes);
            m_region.intersect(clip);
        }
        return std::visit([this](const auto& operation) { return render(operation); }, m_command.operation);
    }

private:
    Result<void> render(const FillOp& op)
    {
        TRY(apply_mask(op.mask));
        SourceImage pattern;
        Operand brush = TRY(brush_operand(op.brush, pattern));
        return apply_rop(rop3_from_descriptor(op.rop_descriptor, RopInput::Brush, RopInput::Destination), brush);
    }

    Result<void> render(const OpaqueOp& op)
    {
        TRY(apply_mask(op.mask));
        SourceImage source = TRY(source_image(op.source, false));
        Operand image = TRY(placed(source, op.source_area, op.scale_mode));
        paint(image, surface_target(), m_region, PIXMAN_OP_SRC);
        // SPICE's canvas then combines the brush with the copied source through the descriptor;
        // without a brush there is nothing to combine, so the copy stands.
        if (std::holds_alternative<std::monostate>(op.brush))
            return {};
        SourceImage pattern;
        Operand brush = TRY(brush_operand(op.brush, pattern));
        return apply_rop(rop3_from_descriptor(op.rop_descriptor, RopInput::Brush, RopInput::Source), brush);
    }

    Result<void> render(const CopyOp& op)
    {
        return copy(op.source, op.source_area, op.rop_descriptor, op.scale_mode, op.mask);
    }

    // SPICE renders BLEND exactly as COPY: the descriptor already says how source and destination mix.
    Result<void> render(const BlendOp& op)
    {
        return copy(op.source, op.source_area, op.rop_descriptor, op.scale_mode, op.mask);
    }

    Result<void> render(const TransparentOp& op)
    {
        if (!rop_capable())
            return {};
        SourceImage source = TRY(source_image(op.source, false));
        Operand image = TRY(placed(source, op.source_area, ScaleMode::Nearest));
        if (m_region.empty())
            return {};
        Rect extents = m_region.extents();
        PixmanImage keyed = TRY(materialize(image, extents));
        // As SPICE's canvas: the key is the true colour in the destination's format (the source
        // is converted to that format first), compared on the bits that carry colour.
        uint32_t key = pixel_of_rgb(op.true_color, m_target.pixman_format);
        RasterRows destination = m_target.rows();
        RasterRows source_rows { reinterpret_cast<uint8_t*>(pixman_image_get_data(keyed.get())),
            pixman_image_get_stride(keyed.get()) };
        for (const pixman_box32_t& box : m_region.boxes()) {
            RasterRows to { destination.row(box.y1), destination.stride };
            RasterRows from { source_rows.row(box.y1 - extents.top), source_rows.stride };
            int32_t x = box.x1, from_x = box.x1 - extents.left, width = box.x2 - box.x1, rows = box.y2 - box.y1;
            switch (m_target.format) {
            case SurfaceFormat::Xrgb8888:
            case SurfaceFormat::Argb8888:
                copy_unless_key<uint32_t>(to, x, from, from_x, width, rows, key & 0xFFFFFF, 0xFFFFFF);
                break;
            case SurfaceFormat::Rgb555:
                copy_unless_key<uint16_t>(to, x, from, from_x, width, rows, uint16_t(key & 0x7FFF), 0x7FFF);
                break;
            case SurfaceFormat::Rgb565:
                copy_unless_key<uint16_t>(to, x, from, from_x, width, rows, uint16_t(key), 0xFFFF);
                break;
            case SurfaceFormat::A8:
            case SurfaceFormat::A1:
                copy_unless_key<uint8_t>(to, x, from, from_x, width, rows, uint8_t(key), 0xFF);
                break;
            }
        }
        return {};
    }

    Result<void> render(const AlphaBlendOp& op)
    {
        if (op.alpha == 0)
            return {};
        bool source_alpha = op.alpha_flags & SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA;
        SourceImage source = TRY(source_image(op.source, source_alpha));
        Operand image = TRY(placed(source, op.source_area, ScaleMode::Nearest));
        PixmanImage destination_view;
        Target target = surface_target();
        if (m_target.format == SurfaceFormat::Xrgb8888 && (op.alpha_flags & SPICE_ALPHA_FLAGS_DEST_HAS_ALPHA)) {
            destination_view = m_target.view(PIXMAN_a8r8g8b8);
            target.image = destination_view.get();
        }
        PixmanImage global_alpha;
        if (op.alpha != 0xFF) {
            pixman_color_t color { 0, 0, 0, uint16_t(op.alpha * 0x101) };
            global_alpha.reset(pixman_image_create_solid_fill(&color));
        }
        if (!target.image || (op.alpha != 0xFF && !global_alpha))
            return Error { "pixman could not allocate the blend's images" };
        paint(image, target, m_region, PIXMAN_OP_OVER, global_alpha.get());
        return {};
    }

    Result<void> render(const CopyBitsOp& op)
    {
        int64_t dx = int64_t(m_command.bbox.left) - op.source_position.x;
        int64_t dy = int64_t(m_command.bbox.top) - op.source_position.y;
        if (dx == 0 && dy == 0)
            return {};
        // Only destination pixels whose source lies on the surface move.
        if (dx <= -int64_t(m_target.width) || dx >= m_target.width || dy <= -int64_t(m_target.height)
            || dy >= m_target.height)
            return {};
        m_region.intersect(
            Rect { int32_t(dx), int32_t(dy), int32_t(dx + m_target.width), int32_t(dy + m_target.height) });
        if (m_region.empty() || !rop_capable())
            return {};
        move_boxes(int32_t(dx), int32_t(dy));
        return {};
    }

    Result<void> render(const BlacknessOp& op)
    {
        TRY(apply_mask(op.mask));
        return apply_rop(rop3::blackness, Operand {});
    }

    Result<void> render(const WhitenessOp& op)
    {
        TRY(apply_mask(op.mask));
        return apply_rop(rop3::whiteness, Operand {});
    }

    Result<void> render(const InversOp& op)
    {
        TRY(apply_mask(op.mask));
        return apply_rop(rop3::destination_invert, Operand {});
    }

    Result<void> render(const Rop3Op& op)
    {
        TRY(apply_mask(op.mask));
        SourceImage source = TRY(source_image(op.source, false));
        Operand image = TRY(placed(source, op.source_area, op.scale_mode));
        SourceImage pattern;
        Operand brush = TRY(brush_operand(op.brush, pattern));
        return apply_rop(op.rop3, image, &brush);
    }

    Result<void> render(const StrokeOp&)
    {
        m_canvas.log_once(uint32_t(Unsupported::Stroke), "STROKE commands are not rendered");
        return {};
    }

    Result<void> render(const TextOp& op)
    {
        if (m_region.empty())
            return {};
        if (!op.back_area.empty() && !std::holds_alternative<std::monostate>(op.back_brush)) {
            PixmanRegion back(intersection(op.back_area, m_target.bounds()));
            back.intersect(m_region);
            SourceImage pattern;
            Operand brush = TRY(brush_operand(op.back_brush, pattern));
            paint(brush, surface_target(), back, PIXMAN_OP_SRC);
        }
        if (std::holds_alternative<std::monostate>(op.fore_brush))
            return {};
        auto glyphs = build_glyph_mask(op, m_region.extents());
        if (!glyphs)
            return {};
        SourceImage pattern;
        Operand brush = TRY(brush_operand(op.fore_brush, pattern));
        PixmanRegion covered(glyphs->area);
        covered.intersect(m_region);
        paint(brush, surface_target(), covered, PIXMAN_OP_OVER, glyphs->image.get(),
            Point { glyphs->area.left, glyphs->area.top });
        return {};
    }

    Result<void> copy(const Image& image, const Rect& source_area, uint16_t descriptor, ScaleMode scale_mode,
        const std::optional<Mask>& mask)
    {
        TRY(apply_mask(mask));
        SourceImage source = TRY(source_image(image, false));
        Operand operand = TRY(placed(source, source_area, scale_mode));
        return apply_rop(rop3_from_descriptor(descriptor, RopInput::Source, RopInput::Destination), operand);
    }

    Target surface_target() const { return Target { m_target.image.get(), 0, 0 }; }

    // Bitwise raster operations work on whole bytes, so 1-bit surfaces only get plain copies.
    bool rop_capable()
    {
        if (m_target.bits_per_pixel() >= 8)
            return true;
        m_canvas.log_once(uint32_t(Unsupported::SubByteRaster),
            "bitwise raster operations, colour keys and COPY_BITS on 1-bit surfaces are not rendered");
        return false;
    }

    Result<SourceImage> source_image(const Image& image, bool surface_alpha)
    {
        SourceImage result;
        if (const auto* bitmap = std::get_if<Bitmap>(&image.source)) {
            result.bitmap = TRY(BitmapImage::create(*bitmap));
            return result;
        }
        uint32_t id = std::get<SurfaceImage>(image.source).surface_id;
        CanvasSurface* surface = m_canvas.find(id);
        if (!surface)
            return Error { "source surface " + std::to_string(id) + " does not exist" };
        pixman_format_code_t format = surface->pixman_format;
        if (surface_alpha && surface->format == SurfaceFormat::Xrgb8888)
            format = PIXMAN_a8r8g8b8;
        if (surface == &m_target) {
            // pixman does not define reading and writing the same pixels in one operation.
            result.view.reset(pixman_image_create_bits_no_clear(format, int(surface->width), int(surface->height),
                nullptr, 0));
            if (result.view)
                pixman_image_composite32(PIXMAN_OP_SRC, surface->image.get(), nullptr, result.view.get(), 0, 0, 0, 0,
                    0, 0, int(surface->width), int(surface->height));
        } else {
            result.view = surface->view(format);
        }
        if (!result.view)
            return Error { "pixman could not read surface " + std::to_string(id) };
        return result;
    }

    Result<Operand> brush_operand(const Brush& brush, SourceImage& pattern)
    {
        Operand operand;
        if (const auto* solid = std::get_if<SolidBrush>(&brush)) {
            operand.color = solid->color;
        } else if (const auto* tiled = std::get_if<PatternBrush>(&brush)) {
            pattern = TRY(source_image(tiled->pattern, false));
            operand.kind = Operand::Kind::Tiled;
            operand.image = pattern.get();
            operand.tile_origin = tiled->origin;
            pixman_image_set_repeat(operand.image, PIXMAN_REPEAT_NORMAL);
        }
        return operand;
    }

    // The source area clipped to its image and the destination to match; the draw region shrinks
    // to the destination pixels that have a source.
    Result<Operand> placed(const SourceImage& source, const Rect& source_area, ScaleMode scale_mode)
    {
        const Rect& bbox = m_command.bbox;
        if (bbox.empty()) {
            m_region.intersect(Rect {});
            return Operand {};
        }
        if (source_area.empty() || !within(source_area, max_coordinate))
            return Error { "source area " + text(source_area) + " is empty or out of range" };
        Placement placement { source_area, bbox };
        if (placement.scaled()
            && (!within(source_area, max_scaled_coordinate) || !within(bbox, max_scaled_coordinate)))
            return Error { "scaled copy " + text(source_area) + " to " + text(bbox) + " out of range" };
        Rect inside = intersection(source_area, Rect { 0, 0, source.width(), source.height() });
        if (inside.empty()) {
            m_region.intersect(Rect {});
            return Operand {};
        }
        if (inside != source_area) {
            int64_t sw = source_area.width(), sh = source_area.height();
            int64_t dw = bbox.width(), dh = bbox.height();
            Rect visible {
                int32_t(bbox.left + floor_div((int64_t(inside.left) - source_area.left) * dw, sw)),
                int32_t(bbox.top + floor_div((int64_t(inside.top) - source_area.top) * dh, sh)),
                int32_t(bbox.left + ceil_div((int64_t(inside.right) - source_area.left) * dw, sw)),
                int32_t(bbox.top + ceil_div((int64_t(inside.bottom) - source_area.top) * dh, sh)),
            };
            placement = Placement { inside, visible };
        }
        m_region.intersect(placement.destination);
        Operand operand;
        operand.kind = Operand::Kind::Placed;
        operand.image = source.get();
        operand.placement = placement;
        operand.scale_mode = scale_mode;
        if (placement.destination.empty())
            return operand;
        if (placement.scaled()) {
            const Rect& from = placement.source;
            const Rect& to = placement.destination;
            pixman_transform_t transform;
            pixman_transform_init_scale(&transform,
                pixman_fixed_t((int64_t(from.width()) << 16) / to.width()),
                pixman_fixed_t((int64_t(from.height()) << 16) / to.height()));
            pixman_transform_translate(&transform, nullptr, pixman_int_to_fixed(from.left),
                pixman_int_to_fixed(from.top));
            pixman_image_set_transform(operand.image, &transform);
            pixman_image_set_filter(operand.image,
                scale_mode == ScaleMode::Interpolate ? PIXMAN_FILTER_BILINEAR : PIXMAN_FILTER_NEAREST, nullptr, 0);
            // Filters sample next to the area's edges: repeat the edge rather than fade to nothing.
            pixman_image_set_repeat(operand.image, PIXMAN_REPEAT_PAD);
        }
        return operand;
    }

    // Paints the operand into `target` over `region` (surface coordinates), optionally through a
    // mask image whose top-left pixel lies at `mask_origin`.
    void paint(const Operand& operand, Target target, const PixmanRegion& region, pixman_op_t op,
        pixman_image_t* mask = nullptr, Point mask_origin = {})
    {
        PixmanImage solid;
        pixman_image_t* source = operand.image;
        if (operand.kind == Operand::Kind::Solid) {
            solid = solid_pixel(m_target.pixman_format, operand.color);
            source = solid.get();
        }
        if (!source)
            return;
        for (const pixman_box32_t& box : region.boxes()) {
            int32_t source_x = 0, source_y = 0;
            switch (operand.kind) {
            case Operand::Kind::Solid:
                break;
            case Operand::Kind::Tiled:
                source_x = wrap(int64_t(box.x1) - operand.tile_origin.x, pixman_image_get_width(source));
                source_y = wrap(int64_t(box.y1) - operand.tile_origin.y, pixman_image_get_height(source));
                break;
            case Operand::Kind::Placed: {
                const Placement& placement = operand.placement;
                source_x = box.x1 - placement.destination.left;
                source_y = box.y1 - placement.destination.top;
                if (!placement.scaled()) {
                    source_x += placement.source.left;
                    source_y += placement.source.top;
                }
                break;
            }
            }
            pixman_image_composite32(op, source, mask, target.image, source_x, source_y, box.x1 - mask_origin.x,
                box.y1 - mask_origin.y, box.x1 - target.x, box.y1 - target.y, box.x2 - box.x1, box.y2 - box.y1);
        }
    }

    // The operand's pixels over `extents`, in the target's format.
    Result<PixmanImage> materialize(const Operand& operand, const Rect& extents)
    {
        PixmanImage image(
            pixman_image_create_bits(m_target.pixman_format, extents.width(), extents.height(), nullptr, 0));
        if (!image)
            return Error { "pixman could not allocate a " + text(extents) + " temporary image" };
        paint(operand, Target { image.get(), extents.left, extents.top }, m_region, PIXMAN_OP_SRC);
        return image;
    }

    // destination = code(pattern, source, destination) over the draw region. Without a pattern
    // operand, `code` must not depend on the pattern (descriptor-derived codes do not).
    Result<void> apply_rop(uint8_t code, const Operand& source, const Operand* pattern = nullptr)
    {
        if (m_region.empty())
            return {};
        switch (code) {
        case rop3::source_copy:
            paint(source, surface_target(), m_region, PIXMAN_OP_SRC);
            return {};
        case rop3::blackness:
            paint(Operand {}, surface_target(), m_region, PIXMAN_OP_SRC);
            return {};
        case rop3::whiteness: {
            Operand ones;
            ones.color = 0xFFFFFFFF;
            paint(ones, surface_target(), m_region, PIXMAN_OP_SRC);
            return {};
        }
        default:
            break;
        }
        if (pattern && code == rop3::pattern_copy) {
            paint(*pattern, surface_target(), m_region, PIXMAN_OP_SRC);
            return {};
        }
        if (!rop_capable())
            return {};
        Rect extents = m_region.extents();
        PixmanImage source_pixels, pattern_pixels;
        if (depends_on_source(code))
            source_pixels = TRY(materialize(source, extents));
        if (depends_on_pattern(code))
            pattern_pixels = TRY(materialize(pattern ? *pattern : source, extents));
        RasterRows destination = m_target.rows();
        auto rows_of = [&](const PixmanImage& image, const pixman_box32_t& box, size_t bytes_per_pixel) {
            if (!image)
                return RasterRows { destination.row(box.y1) + box.x1 * bytes_per_pixel, destination.stride };
            auto* data = reinterpret_cast<uint8_t*>(pixman_image_get_data(image.get()));
            ptrdiff_t stride = pixman_image_get_stride(image.get());
            return RasterRows { data + (box.y1 - extents.top) * stride + (box.x1 - extents.left) * bytes_per_pixel,
                stride };
        };
        size_t bytes_per_pixel = m_target.bits_per_pixel() / 8;
        for (const pixman_box32_t& box : m_region.boxes()) {
            RasterRows to { destination.row(box.y1) + box.x1 * bytes_per_pixel, destination.stride };
            apply_rop3(code, to, rows_of(source_pixels, box, bytes_per_pixel),
                rows_of(pattern_pixels ? pattern_pixels : source_pixels, box, bytes_per_pixel),
                size_t(box.x2 - box.x1) * bytes_per_pixel, box.y2 - box.y1);
        }
        return {};
    }

    // Restricts the draw region to the mask's set pixels (unset ones when inverted); the mask's
    // pixel `position` lies on the bounding box's top-left corner.
    Result<void> apply_mask(const std::optional<Mask>& mask)
    {
        if (!mask)
            return {};
        std::optional<BitmapImage> bitmap;
        pixman_image_t* image = nullptr;
        if (const auto* bits = std::get_if<Bitmap>(&mask->bitmap.source)) {
            bitmap = TRY(BitmapImage::create_mask(*bits));
            image = bitmap->get();
        } else {
            uint32_t id = std::get<SurfaceImage>(mask->bitmap.source).surface_id;
            CanvasSurface* surface = m_canvas.find(id);
            if (!surface)
                return Error { "mask surface " + std::to_string(id) + " does not exist" };
            if (surface->format != SurfaceFormat::A1)
                return Error { "mask surface " + std::to_string(id) + " is not 1-bit" };
            image = surface->image.get();
        }
        PixmanRegion covered;
        covered.assign_from_a1_image(image);
        if (mask->inverted)
            covered.invert_within(Rect { 0, 0, pixman_image_get_width(image), pixman_image_get_height(image) });
        int64_t dx = int64_t(m_command.bbox.left) - mask->position.x;
        int64_t dy = int64_t(m_command.bbox.top) - mask->position.y;
        if (dx < -max_coordinate || dx > max_coordinate || dy < -max_coordinate || dy > max_coordinate) {
            m_region.intersect(Rect {});
            return {};
        }
        covered.translate(int32_t(dx), int32_t(dy));
        m_region.intersect(covered);
        return {};
    }

    template<typename Pixel>
    static void copy_unless_key(RasterRows to, int32_t to_x, RasterRows from, int32_t from_x, int32_t width,
        int32_t rows, Pixel key, Pixel significant)
    {
        for (int32_t y = 0; y < rows; ++y) {
            auto* out = reinterpret_cast<Pixel*>(to.row(y)) + to_x;
            const auto* in = reinterpret_cast<const Pixel*>(from.row(y)) + from_x;
            for (int32_t x = 0; x < width; ++x) {
                if ((in[x] & significant) != key)
                    out[x] = in[x];
            }
        }
    }

    // COPY_BITS within one surface: each box's pixels come from (dx, dy) back, and boxes and rows
    // go in the order that reads every source pixel before anything overwrites it.
    void move_boxes(int32_t dx, int32_t dy)
    {
        auto boxes = m_region.boxes();
        // Bands: runs of boxes with the same rows, ordered left to right (pixman's y-x banding).
        std::vector<std::pair<size_t, size_t>> bands;
        for (size_t i = 0; i < boxes.size();) {
            size_t end = i + 1;
            while (end < boxes.size() && boxes[end].y1 == boxes[i].y1)
                ++end;
            bands.emplace_back(i, end);
            i = end;
        }
        if (dy > 0)
            std::reverse(bands.begin(), bands.end());
        RasterRows pixels = m_target.rows();
        size_t bytes_per_pixel = m_target.bits_per_pixel() / 8;
        auto move_box = [&](const pixman_box32_t& box) {
            size_t bytes = size_t(box.x2 - box.x1) * bytes_per_pixel;
            for (int32_t i = 0; i < box.y2 - box.y1; ++i) {
                int32_t y = dy > 0 ? box.y2 - 1 - i : box.y1 + i;
                std::memmove(pixels.row(y) + box.x1 * bytes_per_pixel,
                    pixels.row(y - dy) + (box.x1 - dx) * bytes_per_pixel, bytes);
            }
        };
        for (auto [first, end] : bands) {
            if (dx > 0) {
                for (size_t i = end; i-- > first;)
                    move_box(boxes[i]);
            } else {
                for (size_t i = first; i < end; ++i)
                    move_box(boxes[i]);
            }
        }
    }

    Canvas& m_canvas;
    CanvasSurface& m_target;
    const DrawCommand& m_command;
    PixmanRegion m_region;
};

Canvas::Canvas() = default;
Canvas::~Canvas() = default;

Result<void> Canvas::create_surface(const SurfaceCreate& create)
{
    auto describe = [&] { return "surface " + std::to_string(create.surface_id); };
    pixman_format_code_t format = pixman_format_of(create.format);
    if (format == pixman_format_code_t(0))
        return Error { describe() + ": unknown format " + std::to_string(uint32_t(create.format)) };
    if (create.width == 0 || create.height == 0 || create.width > max_raster_dimension
        || create.height > max_raster_dimension)
        return Error { describe() + ": size " + std::to_string(create.width) + "x" + std::to_string(create.height)
            + " out of range" };

    auto surface = std::make_unique<CanvasSurface>();
    surface->id = create.surface_id;
    surface->width = create.width;
    surface->height = create.height;
    surface->format = create.format;
    surface->pixman_format = format;
    surface->memory = create.memory;
    surface->memory_stride = create.stride;

    uint64_t row_bytes = (uint64_t(create.width) * surface->bits_per_pixel() + 7) / 8;
    uint64_t stride = create.stride < 0 ? uint64_t(-int64_t(create.stride)) : uint64_t(create.stride);
    bool wrap_memory = false;
    if (!create.memory.empty()) {
        if (stride < row_bytes)
            return Error { describe() + ": stride " + std::to_string(create.stride) + " below its row size" };
        if (create.memory.size() < stride * create.height)
            return Error { describe() + ": " + std::to_string(create.memory.size()) + " bytes of memory for "
                + std::to_string(stride * create.height) };
        wrap_memory = stride % 4 == 0 && reinterpret_cast<uintptr_t>(create.memory.data()) % 4 == 0;
    }

    if (wrap_memory) {
        // pixman addresses row y at bits + y * stride, so a bottom-up surface starts at its last row.
        uint8_t* first_row = create.memory.data() + (create.stride < 0 ? stride * (create.height - 1) : 0);
        surface->image.reset(pixman_image_create_bits_no_clear(format, int(create.width), int(create.height),
            reinterpret_cast<uint32_t*>(first_row), create.stride));
    } else {
        uint64_t shadow_stride = (row_bytes + 3) & ~uint64_t(3);
        surface->shadow.assign(shadow_stride / 4 * create.height, 0);
        surface->image.reset(pixman_image_create_bits_no_clear(format, int(create.width), int(create.height),
            surface->shadow.data(), int(shadow_stride)));
        if (surface->image && create.keep_data && !create.memory.empty()) {
            RasterRows host = surface->rows();
            for (uint32_t y = 0; y < create.height; ++y) {
                size_t memory_row = create.stride < 0 ? create.height - 1 - y : y;
                std::memcpy(host.row(int32_t(y)), create.memory.data() + memory_row * stride, row_bytes);
            }
        }
        if (!create.memory.empty())
            LOG_INFO(log_component, "%s: memory not 4-byte aligned, rendering into a host copy", describe().c_str());
    }
    if (!surface->image)
        return Error { describe() + ": pixman refused the surface" };

    m_surfaces[create.surface_id] = std::move(surface);
    if (create.primary)
        m_primary = create.surface_id;
    else if (m_primary == create.surface_id)
        m_primary.reset();
    return {};
}

void Canvas::destroy_surface(uint32_t surface_id)
{
    auto it = m_surfaces.find(surface_id);
    if (it == m_surfaces.end()) {
        LOG_WARN(log_component, "destroying surface %u, which does not exist", surface_id);
        return;
    }
    // The guest may read a destroyed surface's memory (it was told the contents are final).
    it->second->write_back(it->second->bounds());
    m_surfaces.erase(it);
    if (m_primary == surface_id)
        m_primary.reset();
}

void Canvas::destroy_all_surfaces()
{
    for (auto& [id, surface] : m_surfaces)
        surface->write_back(surface->bounds());
    m_surfaces.clear();
    m_primary.reset();
}

bool Canvas::has_surface(uint32_t surface_id) const { return m_surfaces.contains(surface_id); }

std::optional<uint32_t> Canvas::primary_surface() const { return m_primary; }

void Canvas::draw(const DrawCommand& command)
{
    CanvasSurface* target = find(command.surface_id);
    if (!target) {
        LOG_WARN(log_component, "draw on surface %u dropped: the surface does not exist", command.surface_id);
        return;
    }
    Renderer renderer(*this, *target, command);
    auto result = renderer.run();
    if (!result)
        LOG_WARN(log_component, "draw on surface %u dropped: %s", command.surface_id, result.error().message.c_str());
}

void Canvas::update_area(uint32_t surface_id, const Rect& area)
{
    auto it = m_surfaces.find(surface_id);
    if (it != m_surfaces.end())
        it->second->write_back(area);
}

Result<void> Canvas::read_surface(uint32_t surface_id, Framebuffer& framebuffer) const
{
    auto it = m_surfaces.find(surface_id);
    if (it == m_surfaces.end())
        return Error { "surface " + std::to_string(surface_id) + " does not exist" };
    const CanvasSurface& surface = *it->second;
    framebuffer.resize(surface.width, surface.height);
    PixmanImage out(pixman_image_create_bits_no_clear(PIXMAN_x8r8g8b8, int(surface.width), int(surface.height),
        framebuffer.pixels.data(), int(surface.width * 4)));
    if (!out)
        return Error { "pixman refused a " + std::to_string(surface.width) + "x" + std::to_string(surface.height)
            + " framebuffer" };
    pixman_image_composite32(PIXMAN_OP_SRC, surface.image.get(), nullptr, out.get(), 0, 0, 0, 0, 0, 0,
        int(surface.width), int(surface.height));
    // pixman copies an x8r8g8b8 surface's unused byte as it is; a Framebuffer's is zero.
    for (uint32_t& pixel : framebuffer.pixels)
        pixel &= 0x00FFFFFF;
    return {};
}

CanvasSurface* Canvas::find(uint32_t surface_id)
{
    auto it = m_surfaces.find(surface_id);
    return it == m_surfaces.end() ? nullptr : it->second.get();
}

void Canvas::log_once(uint32_t kind, const char* what)
{
    if (m_logged & kind)
        return;
    m_logged |= kind;
    LOG_WARN(log_component, "%s", what);
}

} // namespace spicebox
