#include "spice-server/display_messages.h"

#include "spice-common/wire_reader.h"

#include <spice/enums.h>

#include <algorithm>
#include <cstring>

namespace spicebox {

namespace {

constexpr size_t kDisplayBaseBytes = 4 + 16 + 1;           // surface_id, box, clip type NONE
constexpr size_t kCopyFixedBytes = 4 + 16 + 2 + 1 + 1 + 8 + 4; // src_bitmap .. mask.bitmap
constexpr size_t kImageDescriptorBytes = 8 + 1 + 1 + 4 + 4;
constexpr size_t kBitmapHeaderBytes = 1 + 1 + 4 + 4 + 4 + 4; // format, flags, x, y, stride, palette pointer

// A SPICE Rect: top, left, bottom, right.
void put_rect(WireWriter& writer, const Rect& rect)
{
    writer.put_i32(rect.top);
    writer.put_i32(rect.left);
    writer.put_i32(rect.bottom);
    writer.put_i32(rect.right);
}

}

size_t draw_copy_raw_size(const Rect& area)
{
    return kDisplayBaseBytes + kCopyFixedBytes + kImageDescriptorBytes + kBitmapHeaderBytes
        + size_t(area.width()) * size_t(area.height()) * 4;
}

void marshal_surface_create(WireWriter& writer, uint32_t surface_id, uint32_t width, uint32_t height)
{
    writer.put_u32(surface_id);
    writer.put_u32(width);
    writer.put_u32(height);
    writer.put_u32(SPICE_SURFACE_FMT_32_xRGB);
    writer.put_u32(SPICE_SURFACE_FLAGS_PRIMARY);
}

void marshal_surface_create(WireWriter& writer, const SurfaceInfo& surface)
{
    writer.put_u32(surface.id);
    writer.put_u32(surface.width);
    writer.put_u32(surface.height);
    writer.put_u32(uint32_t(surface.format));
    writer.put_u32(surface.primary ? SPICE_SURFACE_FLAGS_PRIMARY : 0);
}

void marshal_inval_list(WireWriter& writer, std::span<const uint64_t> pixmap_ids)
{
    auto count = std::min(pixmap_ids.size(), kMaxInvalListIds);
    writer.put_u16(uint16_t(count));
    for (size_t i = 0; i < count; ++i) {
        writer.put_u8(SPICE_RES_TYPE_PIXMAP);
        writer.put_u64(pixmap_ids[i]);
    }
}

void marshal_monitors_config(WireWriter& writer, const MonitorsConfig& config)
{
    auto count = std::min(config.heads.size(), kMaxMonitorHeads);
    writer.put_u16(uint16_t(count));
    // spice-gtk clamps to [1, 256]; a driver that gave no limit allows what it configured.
    writer.put_u16(uint16_t(std::max<size_t>(config.max_allowed ? config.max_allowed : count, 1)));
    for (size_t i = 0; i < count; ++i) {
        auto& head = config.heads[i];
        writer.put_u32(head.id);
        writer.put_u32(head.surface_id);
        writer.put_u32(head.width);
        writer.put_u32(head.height);
        writer.put_u32(head.x);
        writer.put_u32(head.y);
        writer.put_u32(head.flags);
    }
}

void marshal_surface_destroy(WireWriter& writer, uint32_t surface_id) { writer.put_u32(surface_id); }

void marshal_draw_copy_raw(WireWriter& writer, uint32_t surface_id, const Rect& area, uint64_t image_id, const Framebuffer& screen)
{
    auto width = uint32_t(area.width());
    auto height = uint32_t(area.height());
    writer.put_u32(surface_id);
    put_rect(writer, area);
    writer.put_u8(SPICE_CLIP_TYPE_NONE);
    // Pointers are offsets from the start of the body; the image follows the fixed part.
    writer.put_u32(uint32_t(kDisplayBaseBytes + kCopyFixedBytes));
    put_rect(writer, Rect { 0, 0, int32_t(width), int32_t(height) });
    writer.put_u16(SPICE_ROPD_OP_PUT);
    writer.put_u8(SPICE_IMAGE_SCALE_MODE_NEAREST);
    writer.put_u8(0); // mask flags
    writer.put_i32(0); // mask position
    writer.put_i32(0);
    writer.put_u32(0); // no mask bitmap

    writer.put_u64(image_id);
    writer.put_u8(SPICE_IMAGE_TYPE_BITMAP);
    writer.put_u8(0); // image flags
    writer.put_u32(width);
    writer.put_u32(height);

    writer.put_u8(SPICE_BITMAP_FMT_32BIT);
    writer.put_u8(SPICE_BITMAP_FLAGS_TOP_DOWN);
    writer.put_u32(width);
    writer.put_u32(height);
    writer.put_u32(width * 4);
    writer.put_u32(0); // no palette

    size_t row_bytes = size_t(width) * 4;
    size_t pixels = writer.grow(row_bytes * height);
    for (uint32_t y = 0; y < height; ++y)
        std::memcpy(writer.data_at(pixels + y * row_bytes), screen.row(uint32_t(area.top) + y) + area.left, row_bytes);
}

Result<DisplayInit> parse_display_init(std::span<const uint8_t> body)
{
    WireReader reader(body);
    DisplayInit init {};
    init.pixmap_cache_id = TRY(reader.read<uint8_t>("DISPLAY_INIT"));
    init.pixmap_cache_size = TRY(reader.read<int64_t>("DISPLAY_INIT"));
    init.glz_dictionary_id = TRY(reader.read<uint8_t>("DISPLAY_INIT"));
    init.glz_dictionary_window_size = TRY(reader.read<int32_t>("DISPLAY_INIT"));
    return init;
}

} // namespace spicebox
