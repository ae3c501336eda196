// The display commands a paravirtual graphics device hands to the SPICE server and the canvas:
// surfaces, drawing, cursor and monitor layout, already validated and owned by the host. Nothing
// here points into guest memory except a surface's pixels (`SurfaceCreate::memory`), which live in
// device memory for the surface's whole life because that is where the guest reads them back.
//
// Enumerations carry the SPICE protocol's values (spice/enums.h), so the server can put them on
// the wire unchanged; rectangles are right/bottom exclusive as SpiceRect.
#pragma once

#include "spice-common/framebuffer.h"

#include <spice/enums.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

namespace spicebox {

struct Point {
    int32_t x { 0 };
    int32_t y { 0 };
    bool operator==(const Point&) const = default;
};

// ---- Surfaces -------------------------------------------------------------------------------

enum class SurfaceFormat : uint32_t {
    A1 = SPICE_SURFACE_FMT_1_A,
    A8 = SPICE_SURFACE_FMT_8_A,
    Rgb555 = SPICE_SURFACE_FMT_16_555,
    Xrgb8888 = SPICE_SURFACE_FMT_32_xRGB,
    Rgb565 = SPICE_SURFACE_FMT_16_565,
    Argb8888 = SPICE_SURFACE_FMT_32_ARGB,
};

constexpr uint32_t bits_per_pixel(SurfaceFormat format)
{
    switch (format) {
    case SurfaceFormat::A1:
        return 1;
    case SurfaceFormat::A8:
        return 8;
    case SurfaceFormat::Rgb555:
    case SurfaceFormat::Rgb565:
        return 16;
    case SurfaceFormat::Xrgb8888:
    case SurfaceFormat::Argb8888:
        return 32;
    }
    return 0;
}

struct SurfaceCreate {
    uint32_t surface_id { 0 };
    uint32_t width { 0 };
    uint32_t height { 0 };
    // Bytes from one row to the next. Negative: the bottom row comes first in memory, so row y
    // starts at memory.data() + |stride| * (height - 1 - y).
    int32_t stride { 0 };
    SurfaceFormat format { SurfaceFormat::Xrgb8888 };
    bool primary { false };
    bool keep_data { false }; // false: the device zeroed `memory` before announcing the surface
    std::span<uint8_t> memory {}; // exactly |stride| * height bytes, valid until the surface is destroyed
};

// ---- Images ---------------------------------------------------------------------------------

enum class BitmapFormat : uint8_t {
    Palette1Le = SPICE_BITMAP_FMT_1BIT_LE, // bit 0 is the leftmost pixel
    Palette1Be = SPICE_BITMAP_FMT_1BIT_BE, // bit 7 is the leftmost pixel
    Palette4Le = SPICE_BITMAP_FMT_4BIT_LE, // low nibble is the leftmost pixel
    Palette4Be = SPICE_BITMAP_FMT_4BIT_BE, // high nibble is the leftmost pixel
    Palette8 = SPICE_BITMAP_FMT_8BIT,
    Rgb555 = SPICE_BITMAP_FMT_16BIT,  // x1r5g5b5, little-endian
    Rgb888 = SPICE_BITMAP_FMT_24BIT,  // B, G, R bytes
    Xrgb8888 = SPICE_BITMAP_FMT_32BIT, // B, G, R, unused bytes
    Argb8888 = SPICE_BITMAP_FMT_RGBA,  // B, G, R, A bytes (premultiplied, as pixman's a8r8g8b8)
    A8 = SPICE_BITMAP_FMT_8BIT_A,     // alpha only
};

constexpr uint32_t bits_per_pixel(BitmapFormat format)
{
    switch (format) {
    case BitmapFormat::Palette1Le:
    case BitmapFormat::Palette1Be:
        return 1;
    case BitmapFormat::Palette4Le:
    case BitmapFormat::Palette4Be:
        return 4;
    case BitmapFormat::Palette8:
    case BitmapFormat::A8:
        return 8;
    case BitmapFormat::Rgb555:
        return 16;
    case BitmapFormat::Rgb888:
        return 24;
    case BitmapFormat::Xrgb8888:
    case BitmapFormat::Argb8888:
        return 32;
    }
    return 0;
}

constexpr bool has_palette(BitmapFormat format)
{
    return bits_per_pixel(format) <= 8 && format != BitmapFormat::A8;
}

// Pixels copied out of the guest, rows top-down whatever order the guest used, each row exactly
// `stride` = ceil(width * bpp / 8) bytes.
struct Bitmap {
    BitmapFormat format { BitmapFormat::Xrgb8888 };
    uint32_t width { 0 };
    uint32_t height { 0 };
    uint32_t stride { 0 };
    std::vector<uint8_t> pixels {};
    // Palettised formats: exactly 2^bpp entries, 0x00RRGGBB; entries the guest did not give are 0.
    std::vector<uint32_t> palette {};
    uint64_t palette_id { 0 }; // the guest's `unique` for the palette, for a client-side cache
};

// The source is another surface's current contents (surface-to-surface copies).
struct SurfaceImage {
    uint32_t surface_id { 0 };
};

struct Image {
    uint64_t id { 0 };        // the guest's image id (a hash when `cacheable`)
    bool cacheable { false }; // the guest allows clients to cache it under `id`
    std::variant<Bitmap, SurfaceImage> source {};
};

// ---- Drawing --------------------------------------------------------------------------------

struct SolidBrush {
    uint32_t color { 0 }; // in the destination surface's format
};

struct PatternBrush {
    Image pattern {};
    Point origin {};
};

using Brush = std::variant<std::monostate, SolidBrush, PatternBrush>;

struct Mask {
    bool inverted { false };
    Point position {};
    Image bitmap {}; // a 1-bit bitmap
};

enum class ScaleMode : uint8_t {
    Interpolate = SPICE_IMAGE_SCALE_MODE_INTERPOLATE,
    Nearest = SPICE_IMAGE_SCALE_MODE_NEAREST,
};

// `rop_descriptor` fields hold SpiceRopd bits (SPICE_ROPD_*); drivers use SPICE_ROPD_OP_PUT.
struct FillOp {
    Brush brush {};
    uint16_t rop_descriptor { SPICE_ROPD_OP_PUT };
    std::optional<Mask> mask {};
};

struct OpaqueOp {
    Image source {};
    Rect source_area {};
    Brush brush {};
    uint16_t rop_descriptor { SPICE_ROPD_OP_PUT };
    ScaleMode scale_mode { ScaleMode::Nearest };
    std::optional<Mask> mask {};
};

// COPY paints `source_area` of the source into the bounding box (scaled when sizes differ).
struct CopyOp {
    Image source {};
    Rect source_area {};
    uint16_t rop_descriptor { SPICE_ROPD_OP_PUT };
    ScaleMode scale_mode { ScaleMode::Nearest };
    std::optional<Mask> mask {};
};

// Like COPY, but the rop descriptor combines source and destination.
struct BlendOp {
    Image source {};
    Rect source_area {};
    uint16_t rop_descriptor { SPICE_ROPD_OP_PUT };
    ScaleMode scale_mode { ScaleMode::Nearest };
    std::optional<Mask> mask {};
};

// COPY that leaves destination pixels alone where the source equals `transparent_color`.
struct TransparentOp {
    Image source {};
    Rect source_area {};
    uint32_t transparent_color { 0 };
    uint32_t true_color { 0 };
};

struct AlphaBlendOp {
    uint8_t alpha_flags { 0 }; // SPICE_ALPHA_FLAGS_*
    uint8_t alpha { 255 };     // applied on top of the source's own alpha
    Image source {};
    Rect source_area {};
};

// Moves the bounding-box-sized area whose top-left is `source_position` on the same surface to
// the bounding box; the areas may overlap.
struct CopyBitsOp {
    Point source_position {};
};

struct BlacknessOp {
    std::optional<Mask> mask {};
};

struct WhitenessOp {
    std::optional<Mask> mask {};
};

struct InversOp {
    std::optional<Mask> mask {};
};

struct Rop3Op {
    Image source {};
    Rect source_area {};
    Brush brush {};
    uint8_t rop3 { 0 };
    ScaleMode scale_mode { ScaleMode::Nearest };
    std::optional<Mask> mask {};
};

// 28.4 fixed point, as QXLFIXED.
using Fixed28_4 = int32_t;

struct PathSegment {
    uint32_t flags { 0 }; // SPICE_PATH_* (begin, end, close, bezier)
    std::vector<std::array<Fixed28_4, 2>> points {};
};

struct StrokeOp {
    std::vector<PathSegment> path {};
    uint8_t line_flags { 0 }; // SPICE_LINE_FLAGS_*
    std::vector<Fixed28_4> style {}; // dash pattern when line_flags has SPICE_LINE_FLAGS_STYLED
    Brush brush {};
    uint16_t fore_mode { 0 };
    uint16_t back_mode { 0 };
};

struct Glyph {
    Point render_position {};
    Point origin {};
    uint16_t width { 0 };
    uint16_t height { 0 };
    std::vector<uint8_t> data {}; // rows of ceil(width * bpp / 8) bytes, bpp from the string's flags
};

struct TextOp {
    uint16_t string_flags { 0 }; // SPICE_STRING_FLAGS_RASTER_A1/A4/A8
    std::vector<Glyph> glyphs {};
    Rect back_area {};
    Brush fore_brush {};
    Brush back_brush {};
    uint16_t fore_mode { 0 };
    uint16_t back_mode { 0 };
};

using DrawOperation = std::variant<FillOp, OpaqueOp, CopyOp, BlendOp, TransparentOp, AlphaBlendOp, CopyBitsOp,
    BlacknessOp, WhitenessOp, InversOp, Rop3Op, StrokeOp, TextOp>;

// A surface this drawing reads (its pending drawing must be rendered first).
struct SurfaceDependency {
    uint32_t surface_id { 0 };
    Rect area {};
};

struct DrawCommand {
    uint32_t surface_id { 0 };
    Rect bbox {};
    // The drawing is restricted to the union of these rectangles; nullopt: to the bounding box.
    std::optional<std::vector<Rect>> clip {};
    uint8_t effect { 0 }; // QXLEffectType: a hint for the server's drawable tree
    uint32_t mm_time { 0 };
    std::optional<Rect> self_bitmap_area {}; // the guest asked to keep the area's old contents
    std::vector<SurfaceDependency> dependencies {};
    DrawOperation operation {};
};

// ---- Cursor ---------------------------------------------------------------------------------

enum class CursorType : uint16_t {
    Alpha = SPICE_CURSOR_TYPE_ALPHA, // width * height ARGB pixels
    Mono = SPICE_CURSOR_TYPE_MONO,   // AND mask then XOR mask, each ceil(width / 8) * height bytes
    Color4 = SPICE_CURSOR_TYPE_COLOR4,
    Color8 = SPICE_CURSOR_TYPE_COLOR8,
    Color16 = SPICE_CURSOR_TYPE_COLOR16,
    Color24 = SPICE_CURSOR_TYPE_COLOR24,
    Color32 = SPICE_CURSOR_TYPE_COLOR32,
};

struct CursorShape {
    uint64_t unique { 0 };
    CursorType type { CursorType::Alpha };
    uint16_t width { 0 };
    uint16_t height { 0 };
    uint16_t hot_spot_x { 0 };
    uint16_t hot_spot_y { 0 };
    std::vector<uint8_t> data {};
};

struct CursorSet {
    Point position {};
    bool visible { true };
    CursorShape shape {};
};

struct CursorMove {
    Point position {};
};

struct CursorHide { };

struct CursorTrail {
    uint16_t length { 0 };
    uint16_t frequency { 0 };
};

// The device was reset (RESET, SET_MODE, DESTROY_PRIMARY, DESTROY_ALL_SURFACES): the guest's cursor is
// gone, and the unique ids of its shapes may be reused for other shapes from now on.
struct CursorReset { };

using CursorCommand = std::variant<CursorSet, CursorMove, CursorHide, CursorTrail, CursorReset>;

// ---- Monitors -------------------------------------------------------------------------------

struct MonitorHead {
    uint32_t id { 0 };
    uint32_t surface_id { 0 };
    uint32_t width { 0 };
    uint32_t height { 0 };
    uint32_t x { 0 };
    uint32_t y { 0 };
    uint32_t flags { 0 };
    bool operator==(const MonitorHead&) const = default;
};

struct MonitorsConfig {
    uint16_t max_allowed { 0 }; // 0: the driver gives no limit
    std::vector<MonitorHead> heads {};
};

} // namespace spicebox
