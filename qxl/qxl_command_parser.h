// Turns the guest's QXL command structures into the host-owned display model. Every structure is
// copied out of device memory once (through the memory slots) and validated before anything is
// derived from it; the results never point into guest memory except a created surface's pixels.
//
// Outcomes of each parse:
// - an error: the guest broke the protocol (bad address, slot or generation, size overflow, chunk
//   chain too long or looping, bad surface id, unknown type, disordered rectangle, missing
//   palette...). The device enters its error state, as QEMU's `qxl_set_guest_bug`.
// - nullopt: the command is valid but not carried (`dropped_reason()` says why): compressed or
//   cached images (QUIC, LZ, GLZ, JPEG, LZ4, FROM_CACHE: Windows drivers' formats, never sent by
//   Linux or Xorg), COMPOSITE (only sent when the ROM advertises the client capability, which it
//   does not), drawing on or from a surface that does not exist, a bounding box outside the
//   destination (spice-server drops these with a warning), NOP drawables.
// - the command.
#pragma once

#include "base/result.h"
#include "qxl/qxl_memory_slots.h"
#include "spice-common/display_model.h"

#include <spice/qxl_dev.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace spicebox {

// What the parser needs to know about each surface id (index): whether it exists, and its size.
struct QxlSurfaceExtent {
    bool live { false };
    uint32_t width { 0 };
    uint32_t height { 0 };
};

struct SurfaceDestroy {
    uint32_t surface_id { 0 };
};

using SurfaceCommand = std::variant<SurfaceCreate, SurfaceDestroy>;

// Bounds on what one command may make the host copy or walk.
struct QxlParserLimits {
    uint32_t max_chunks { 1 << 16 };          // per chunk chain
    uint64_t max_object_bytes { 256u << 20 }; // one image, clip list, path, string or cursor
    uint32_t max_image_dimension { 1 << 16 };
    uint32_t max_clip_rects { 1 << 16 };
    uint16_t max_cursor_dimension { 1024 };
    uint16_t max_monitors { 64 };
};

class QxlCommandParser {
public:
    QxlCommandParser(const QxlMemorySlots&, std::span<const QxlSurfaceExtent> surfaces, QxlParserLimits = QxlParserLimits {});

    // `drawable` is the QXLDrawable's bytes, already translated.
    Result<std::optional<DrawCommand>> parse_drawable(std::span<const uint8_t> drawable);
    Result<std::optional<CursorCommand>> parse_cursor(std::span<const uint8_t> cursor_command);
    // Surface existence is the caller's business (it tracks creates and destroys).
    Result<SurfaceCommand> parse_surface(std::span<const uint8_t> surface_command);
    Result<std::optional<MonitorsConfig>> parse_monitors_config(QXLPHYSICAL);

    // Why the last parse returned nullopt (empty for NOP drawables, which need no log line).
    const std::string& dropped_reason() const { return m_dropped; }
    // Whether that drop is one a real driver makes in normal operation (spice-server drops those silently):
    // Linux's qxl driver copies its whole 1024x768 framebuffer onto the 64x64 placeholder primary it
    // creates first, at every boot, and only then creates the real one.
    bool dropped_routinely() const { return m_dropped_routinely; }

    // The chunk chain starting with the QXLDataChunk header at `first`, concatenated: exactly
    // `expected` bytes or an error.
    Result<std::vector<uint8_t>> read_chunks(QXLPHYSICAL first, uint64_t expected);

private:
    template<typename T>
    Result<T> read(QXLPHYSICAL);
    void drop(std::string reason, bool routine = false);

    Result<Rect> rect(const QXLRect&) const;
    Result<Image> image(QXLPHYSICAL);
    Result<Bitmap> bitmap(const QXLBitmap&);
    Result<void> palette(QXLPHYSICAL, Bitmap&);
    Result<Brush> brush(const QXLBrush&);
    Result<std::optional<Mask>> mask(const QXLQMask&);
    Result<std::optional<std::vector<Rect>>> clip(const QXLClip&);
    Result<ScaleMode> scale_mode(uint8_t) const;
    Result<uint32_t> surface_id(uint32_t) const;
    Result<DrawOperation> operation(const QXLDrawable&);
    Result<StrokeOp> stroke(const QXLStroke&);
    Result<TextOp> text(const QXLText&);
    Result<CursorShape> cursor_shape(QXLPHYSICAL);

    const QxlMemorySlots& m_slots;
    std::span<const QxlSurfaceExtent> m_surfaces;
    QxlParserLimits m_limits;
    std::string m_dropped;
    bool m_dropped_routinely { false };
};

} // namespace spicebox
