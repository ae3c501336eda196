// Writes every fuzz target's seed corpus: DIR/<target>/<seed>, each a well-formed input in the layout the
// target reads (see fuzz_programs.h), so the fuzzers start from the interesting states (a primary
// surface with commands on the rings, a VBE mode, a text mode, a linked channel, a loadable kernel)
// instead of having to discover them. Usage: make-fuzz-corpus DIR
#include "spice-common/draw_marshaller.h"
#include "spice-common/jpeg_codec.h"
#include "spice-common/lz4_codec.h"
#include "spice-common/lz_decoder.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_programs.h"
#include "tests/support/elf_image.h"

#include <spice/enums.h>
#include <spice/protocol.h>
#include <spice/qxl_dev.h>

#include <elf.h>
#include <zlib.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using namespace spicebox::fuzz;

namespace {

std::filesystem::path corpus_root;

void write_seed(const std::string& target, const std::string& name, const std::vector<uint8_t>& bytes)
{
    auto directory = corpus_root / target;
    std::filesystem::create_directories(directory);
    std::ofstream out(directory / name, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// ---- QXL structures in device memory ---------------------------------------------------------

// Objects laid out one after another in a slot: `base` is where the arena starts inside the slot.
class QxlArena {
public:
    QxlArena(uint8_t slot, uint64_t base) : m_slot(slot), m_base(base) { }

    uint64_t put_bytes(const void* data, size_t size)
    {
        uint64_t at = (m_bytes.size() + 7) / 8 * 8;
        m_bytes.resize(at + size);
        std::memcpy(m_bytes.data() + at, data, size);
        return at;
    }
    template<typename T>
    uint64_t put(const T& value) { return put_bytes(&value, sizeof(T)); }
    // A QXLDataChunk holding `data`, alone in its chain.
    uint64_t put_chunk(const std::vector<uint8_t>& data)
    {
        QXLDataChunk header {};
        header.data_size = uint32_t(data.size());
        uint64_t at = put(header);
        put_bytes(data.data(), data.size());
        return at;
    }
    // A structure that ends in its first QXLDataChunk, with `data` as that chunk's bytes.
    template<typename T>
    uint64_t put_chunked(T value, const std::vector<uint8_t>& data)
    {
        value.chunk.data_size = uint32_t(data.size());
        value.chunk.prev_chunk = 0;
        value.chunk.next_chunk = 0;
        uint64_t at = put(value);
        m_bytes.insert(m_bytes.end(), data.begin(), data.end());
        return at;
    }
    template<typename T>
    void set(uint64_t offset, const T& value) { std::memcpy(m_bytes.data() + offset, &value, sizeof(T)); }

    QXLPHYSICAL address(uint64_t offset) const { return (uint64_t(m_slot) << 56) | (m_base + offset); }
    const std::vector<uint8_t>& bytes() const { return m_bytes; }

private:
    uint8_t m_slot;
    uint64_t m_base;
    std::vector<uint8_t> m_bytes;
};

QXLRect rect(int32_t left, int32_t top, int32_t right, int32_t bottom) { return QXLRect { top, left, bottom, right }; }

std::vector<uint8_t> ramp(size_t size)
{
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = uint8_t(i * 37 + 11);
    return bytes;
}

// A QXLImage holding a bitmap (chunked data, or direct when `direct`), with a palette when needed.
uint64_t put_bitmap_image(QxlArena& arena, uint8_t format, uint32_t width, uint32_t height, uint32_t bits, bool direct)
{
    uint32_t stride = (width * bits + 7) / 8;
    QXLPHYSICAL palette = 0;
    if (format == SPICE_BITMAP_FMT_8BIT || format == SPICE_BITMAP_FMT_4BIT_LE || format == SPICE_BITMAP_FMT_1BIT_LE) {
        uint16_t entries = uint16_t(1u << bits);
        QXLPalette header { .unique = 7, .num_ents = entries };
        uint64_t at = arena.put(header);
        auto colours = ramp(entries * 4u);
        arena.put_bytes(colours.data(), colours.size());
        palette = arena.address(at);
    }
    auto pixels = ramp(size_t(stride) * height);
    uint64_t data = direct ? arena.put_bytes(pixels.data(), pixels.size()) : arena.put_chunk(pixels);
    QXLImage image {};
    image.descriptor = QXLImageDescriptor { .id = 42, .type = SPICE_IMAGE_TYPE_BITMAP, .flags = 0, .width = width, .height = height };
    image.bitmap = QXLBitmap { .format = format, .flags = uint8_t(QXL_BITMAP_TOP_DOWN | (direct ? QXL_BITMAP_DIRECT : 0)),
        .x = width, .y = height, .stride = stride, .palette = palette, .data = arena.address(data) };
    return arena.put(image);
}

uint64_t put_surface_image(QxlArena& arena, uint32_t surface_id)
{
    QXLImage image {};
    image.descriptor = QXLImageDescriptor { .id = 43, .type = SPICE_IMAGE_TYPE_SURFACE, .flags = 0, .width = 0, .height = 0 };
    image.surface_image.surface_id = surface_id;
    return arena.put(image);
}

QXLDrawable drawable_header(uint8_t type, uint32_t surface_id, QXLRect bbox)
{
    QXLDrawable drawable {};
    drawable.surface_id = surface_id;
    drawable.effect = QXL_EFFECT_OPAQUE;
    drawable.type = type;
    drawable.bbox = bbox;
    drawable.clip.type = SPICE_CLIP_TYPE_NONE;
    // Three entries, indexed: a range-for would bind references into the packed struct.
    for (size_t i = 0; i < 3; ++i)
        drawable.surfaces_dest[i] = -1;
    return drawable;
}

QXLClip clip_rects(QxlArena& arena, const std::vector<QXLRect>& rects)
{
    std::vector<uint8_t> data(rects.size() * sizeof(QXLRect));
    std::memcpy(data.data(), rects.data(), data.size());
    uint64_t at = arena.put_chunked(QXLClipRects { .num_rects = uint32_t(rects.size()), .chunk = {} }, data);
    return QXLClip { .type = SPICE_CLIP_TYPE_RECTS, .data = arena.address(at) };
}

// Each drawable kind the parser knows, as `arena`'s first object, everything it points to after it.
using DrawableBuilder = void (*)(QxlArena&, uint32_t surface_id);

void fill_drawable(QxlArena& arena, uint32_t surface_id)
{
    uint64_t first = arena.put(QXLDrawable {});
    auto drawable = drawable_header(QXL_DRAW_FILL, surface_id, rect(2, 3, 30, 20));
    drawable.u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
    drawable.u.fill.brush.u.color = 0x00FF8040;
    drawable.u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
    arena.set(first, drawable);
}

void copy_drawable(QxlArena& arena, uint32_t surface_id)
{
    uint64_t first = arena.put(QXLDrawable {});
    auto drawable = drawable_header(QXL_DRAW_COPY, surface_id, rect(4, 4, 12, 12));
    drawable.clip = clip_rects(arena, { rect(4, 4, 8, 8), rect(9, 9, 12, 12) });
    drawable.u.copy.src_bitmap = arena.address(put_bitmap_image(arena, SPICE_BITMAP_FMT_32BIT, 8, 8, 32, false));
    drawable.u.copy.src_area = rect(0, 0, 8, 8);
    drawable.u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
    drawable.u.copy.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
    arena.set(first, drawable);
}

void scaled_palette_copy_drawable(QxlArena& arena, uint32_t surface_id)
{
    uint64_t first = arena.put(QXLDrawable {});
    auto drawable = drawable_header(QXL_DRAW_COPY, surface_id, rect(0, 0, 16, 12));
    drawable.u.copy.src_bitmap = arena.address(put_bitmap_image(arena, SPICE_BITMAP_FMT_8BIT, 5, 3, 8, true));
    drawable.u.copy.src_area = rect(1, 0, 5, 3);
    drawable.u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
    drawable.u.copy.scale_mode = SPICE_IMAGE_SCALE_MODE_INTERPOLATE;
    drawable.u.copy.mask.bitmap = arena.address(put_bitmap_image(arena, SPICE_BITMAP_FMT_1BIT_LE, 16, 12, 1, false));
    arena.set(first, drawable);
}

void opaque_drawable(QxlArena& arena, uint32_t surface_id)
{
    uint64_t first = arena.put(QXLDrawable {});
    auto drawable = drawable_header(QXL_DRAW_OPAQUE, surface_id, rect(1, 1, 9, 7));
    drawable.u.opaque.src_bitmap = arena.address(put_bitmap_image(arena, SPICE_BITMAP_FMT_16BIT, 8, 6, 16, false));
    drawable.u.opaque.src_area = rect(0, 0, 8, 6);
    drawable.u.opaque.brush.type = SPICE_BRUSH_TYPE_PATTERN;
    drawable.u.opaque.brush.u.pattern.pat = arena.address(put_bitmap_image(arena, SPICE_BITMAP_FMT_4BIT_LE, 4, 4, 4, false));
    drawable.u.opaque.rop_descriptor = SPICE_ROPD_OP_PUT;
    drawable.u.opaque.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
    arena.set(first, drawable);
}

void rop3_drawable(QxlArena& arena, uint32_t surface_id)
{
    uint64_t first = arena.put(QXLDrawable {});
    auto drawable = drawable_header(QXL_DRAW_ROP3, surface_id, rect(0, 0, 6, 6));
    drawable.u.rop3.src_bitmap = arena.address(put_bitmap_image(arena, SPICE_BITMAP_FMT_24BIT, 6, 6, 24, false));
    drawable.u.rop3.src_area = rect(0, 0, 6, 6);
    drawable.u.rop3.brush.type = SPICE_BRUSH_TYPE_SOLID;
    drawable.u.rop3.brush.u.color = 0x123456;
    drawable.u.rop3.rop3 = 0x96;
    drawable.u.rop3.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
    arena.set(first, drawable);
}

void alpha_blend_drawable(QxlArena& arena, uint32_t surface_id)
{
    uint64_t first = arena.put(QXLDrawable {});
    auto drawable = drawable_header(QXL_DRAW_ALPHA_BLEND, surface_id, rect(2, 2, 10, 10));
    drawable.u.alpha_blend.alpha_flags = SPICE_ALPHA_FLAGS_SRC_SURFACE_HAS_ALPHA;
    drawable.u.alpha_blend.alpha = 0x80;
    drawable.u.alpha_blend.src_bitmap = arena.address(put_bitmap_image(arena, SPICE_BITMAP_FMT_RGBA, 8, 8, 32, false));
    drawable.u.alpha_blend.src_area = rect(0, 0, 8, 8);
    arena.set(first, drawable);
}

void transparent_drawable(QxlArena& arena, uint32_t surface_id)
{
    uint64_t first = arena.put(QXLDrawable {});
    auto drawable = drawable_header(QXL_DRAW_TRANSPARENT, surface_id, rect(0, 0, 8, 8));
    drawable.u.transparent.src_bitmap = arena.address(put_surface_image(arena, 1));
    drawable.u.transparent.src_area = rect(0, 0, 8, 8);
    drawable.u.transparent.src_color = 0x00FF00;
    arena.set(first, drawable);
}

void copy_bits_drawable(QxlArena& arena, uint32_t surface_id)
{
    uint64_t first = arena.put(QXLDrawable {});
    auto drawable = drawable_header(QXL_COPY_BITS, surface_id, rect(5, 5, 20, 15));
    drawable.u.copy_bits.src_pos = QXLPoint { 1, 2 };
    arena.set(first, drawable);
}

void blackness_drawable(QxlArena& arena, uint32_t surface_id)
{
    uint64_t first = arena.put(QXLDrawable {});
    auto drawable = drawable_header(QXL_DRAW_INVERS, surface_id, rect(0, 0, 8, 8));
    drawable.surfaces_dest[0] = 1;
    drawable.surfaces_rects[0] = rect(0, 0, 4, 4);
    arena.set(first, drawable);
}

void text_drawable(QxlArena& arena, uint32_t surface_id)
{
    uint64_t first = arena.put(QXLDrawable {});
    auto drawable = drawable_header(QXL_DRAW_TEXT, surface_id, rect(0, 0, 24, 16));
    std::vector<uint8_t> glyphs;
    for (int i = 0; i < 2; ++i) {
        QXLRasterGlyph glyph { .render_pos = { 2 + 8 * i, 12 }, .glyph_origin = { 0, -8 }, .width = 8, .height = 8 };
        auto raw = reinterpret_cast<const uint8_t*>(&glyph);
        glyphs.insert(glyphs.end(), raw, raw + sizeof glyph);
        auto bits = ramp(8);
        glyphs.insert(glyphs.end(), bits.begin(), bits.end());
    }
    QXLString string {};
    string.data_size = uint32_t(glyphs.size());
    string.length = 2;
    string.flags = SPICE_STRING_FLAGS_RASTER_A1;
    drawable.u.text.str = arena.address(arena.put_chunked(string, glyphs));
    drawable.u.text.back_area = rect(0, 0, 24, 16);
    drawable.u.text.fore_brush.type = SPICE_BRUSH_TYPE_SOLID;
    drawable.u.text.fore_brush.u.color = 0xFFFFFF;
    drawable.u.text.back_brush.type = SPICE_BRUSH_TYPE_SOLID;
    drawable.u.text.fore_mode = SPICE_ROPD_OP_PUT;
    drawable.u.text.back_mode = SPICE_ROPD_OP_PUT;
    arena.set(first, drawable);
}

void stroke_drawable(QxlArena& arena, uint32_t surface_id)
{
    uint64_t first = arena.put(QXLDrawable {});
    auto drawable = drawable_header(QXL_DRAW_STROKE, surface_id, rect(0, 0, 20, 20));
    std::vector<uint8_t> path;
    QXLPathSeg segment { .flags = SPICE_PATH_BEGIN | SPICE_PATH_END, .count = 3 };
    auto raw = reinterpret_cast<const uint8_t*>(&segment);
    path.insert(path.end(), raw, raw + sizeof segment);
    for (int32_t point : { 1, 1, 15, 3, 8, 18 }) {
        QXLFIXED fixed = point << 4;
        auto bytes = reinterpret_cast<const uint8_t*>(&fixed);
        path.insert(path.end(), bytes, bytes + sizeof fixed);
    }
    QXLPath header {};
    header.data_size = uint32_t(path.size());
    drawable.u.stroke.path = arena.address(arena.put_chunked(header, path));
    QXLFIXED style[2] = { 2 << 4, 1 << 4 };
    drawable.u.stroke.attr.flags = SPICE_LINE_FLAGS_STYLED;
    drawable.u.stroke.attr.style_nseg = 2;
    drawable.u.stroke.attr.style = arena.address(arena.put(style));
    drawable.u.stroke.brush.type = SPICE_BRUSH_TYPE_SOLID;
    drawable.u.stroke.fore_mode = SPICE_ROPD_OP_PUT;
    arena.set(first, drawable);
}

constexpr std::pair<const char*, DrawableBuilder> drawable_builders[] = {
    { "fill", fill_drawable },
    { "copy", copy_drawable },
    { "scaled-palette-copy", scaled_palette_copy_drawable },
    { "opaque", opaque_drawable },
    { "rop3", rop3_drawable },
    { "alpha-blend", alpha_blend_drawable },
    { "transparent", transparent_drawable },
    { "copy-bits", copy_bits_drawable },
    { "invers", blackness_drawable },
    { "text", text_drawable },
    { "stroke", stroke_drawable },
};

// QXLCursorCmd SET with an alpha or mono shape, as the arena's first object.
void cursor_set(QxlArena& arena, uint16_t type)
{
    uint64_t first = arena.put(QXLCursorCmd {});
    QXLCursorCmd command {};
    command.type = QXL_CURSOR_SET;
    command.u.set.position = { 10, 10 };
    command.u.set.visible = 1;
    QXLCursor cursor {};
    cursor.header = QXLCursorHeader { .unique = 5, .type = type, .width = 4, .height = 4, .hot_spot_x = 1, .hot_spot_y = 1 };
    auto shape = ramp(type == SPICE_CURSOR_TYPE_ALPHA ? 64 : 8);
    cursor.data_size = uint32_t(shape.size());
    command.u.set.shape = arena.address(arena.put_chunked(cursor, shape));
    arena.set(first, command);
}

void surface_create(QxlArena& arena, uint32_t surface_id, QXLPHYSICAL pixels)
{
    QXLSurfaceCmd command {};
    command.surface_id = surface_id;
    command.type = QXL_SURFACE_CMD_CREATE;
    command.u.surface_create = QXLSurface { .format = SPICE_SURFACE_FMT_32_xRGB, .width = 16, .height = 16, .stride = -64, .data = pixels };
    arena.put(command);
}

std::vector<uint8_t> with_selector(uint8_t selector, const std::vector<uint8_t>& image)
{
    std::vector<uint8_t> bytes { selector };
    bytes.insert(bytes.end(), image.begin(), image.end());
    return bytes;
}

void qxl_parser_seeds()
{
    for (const auto& [name, build] : drawable_builders) {
        QxlArena arena(1, 0);
        build(arena, 0);
        write_seed("qxl_parser", std::string("drawable-") + name, with_selector(uint8_t(ParserInput::Drawable), arena.bytes()));
    }
    for (uint16_t type : { uint16_t(SPICE_CURSOR_TYPE_ALPHA), uint16_t(SPICE_CURSOR_TYPE_MONO) }) {
        QxlArena arena(1, 0);
        cursor_set(arena, type);
        write_seed("qxl_parser", "cursor-set-" + std::to_string(type), with_selector(uint8_t(ParserInput::Cursor), arena.bytes()));
    }
    {
        QxlArena arena(1, 0);
        // Slot 2 starts at the middle of the image.
        surface_create(arena, 6, QXLPHYSICAL(2) << 56);
        write_seed("qxl_parser", "surface-create", with_selector(uint8_t(ParserInput::Surface), arena.bytes()));
    }
    {
        QxlArena arena(1, 0);
        QXLMonitorsConfig header { .count = 2, .max_allowed = 4 };
        arena.put(header);
        QXLHead heads[2] = { { 0, 0, 64, 48, 0, 0, 0 }, { 1, 0, 32, 48, 64, 0, 0 } };
        arena.put_bytes(heads, sizeof heads);
        write_seed("qxl_parser", "monitors", with_selector(uint8_t(ParserInput::Monitors), arena.bytes()));
    }
}

// ---- The QXL card driven through its ports -------------------------------------------------------

class QxlPortsProgram {
public:
    QxlPortsProgram& port(uint8_t port, uint8_t value = 0)
    {
        m_program.u8(uint8_t(QxlPortsOp::PortWrite)).u8(port).u8(value);
        return *this;
    }
    template<typename T>
    QxlPortsProgram& header(size_t offset, const T& value)
    {
        m_program.u8(uint8_t(QxlPortsOp::WriteHeader)).u16(uint16_t(offset)).u16(sizeof(T)).put(value);
        return *this;
    }
    QxlPortsProgram& ram(uint32_t offset, const std::vector<uint8_t>& bytes)
    {
        m_program.u8(uint8_t(QxlPortsOp::WriteRam)).u32(offset).u16(uint16_t(bytes.size())).bytes(bytes);
        return *this;
    }
    QxlPortsProgram& push(bool command_ring, QXLPHYSICAL data, uint32_t type)
    {
        m_program.u8(uint8_t(QxlPortsOp::PushCommand)).u8(command_ring ? 0 : 1).u64(data).u32(type);
        return *this;
    }
    QxlPortsProgram& process()
    {
        m_program.u8(uint8_t(QxlPortsOp::ProcessRings));
        return *this;
    }
    QxlPortsProgram& reset()
    {
        m_program.u8(uint8_t(QxlPortsOp::Reset));
        return *this;
    }
    const std::vector<uint8_t>& data() const { return m_program.data(); }

private:
    FuzzProgram m_program;
};

// Where seeds put commands in BAR0: past the 8 MiB VGA area, inside slot 1.
constexpr uint32_t command_area = 8 << 20;
constexpr uint64_t slot1_end = qxl_bench::ram_address + 12 * (1 << 20);

// The Linux driver's start: two slots (BAR0's command area, all of BAR1), a 64x48 primary.
QxlPortsProgram linux_start()
{
    using namespace qxl_bench;
    QxlPortsProgram program;
    program.header(offsetof(QXLRam, mem_slot), QXLMemSlot { ram_address, slot1_end }).port(QXL_IO_MEMSLOT_ADD, 1);
    program.header(offsetof(QXLRam, mem_slot), QXLMemSlot { vram_address, vram_address + vram_size }).port(QXL_IO_MEMSLOT_ADD_ASYNC, 2);
    QXLSurfaceCreate primary { .width = 64, .height = 48, .stride = 256, .format = SPICE_SURFACE_FMT_32_xRGB, .position = 0,
        .mouse_mode = 0, .flags = 0, .type = 0, .mem = QXLPHYSICAL(1) << 56 };
    program.header(offsetof(QXLRam, create_surface), primary).port(QXL_IO_CREATE_PRIMARY);
    return program;
}

void qxl_ports_seeds()
{
    using namespace qxl_bench;
    // Each drawable kind through the ring, with surface 1 created first for those that use it.
    for (const auto& [name, build] : drawable_builders) {
        auto program = linux_start();
        QxlArena surface(1, command_area);
        surface_create(surface, 1, (QXLPHYSICAL(2) << 56));
        program.ram(command_area, surface.bytes()).push(true, surface.address(0), QXL_CMD_SURFACE);
        QxlArena arena(1, command_area + 4096);
        build(arena, 0);
        program.ram(command_area + 4096, arena.bytes()).push(true, arena.address(0), QXL_CMD_DRAW).port(QXL_IO_NOTIFY_CMD).process();
        QXLRect area = rect(0, 0, 64, 48);
        program.header(offsetof(QXLRam, update_area), area).header(offsetof(QXLRam, update_surface), uint32_t(0)).port(QXL_IO_UPDATE_AREA);
        write_seed("qxl_ports", std::string("draw-") + name, program.data());
    }
    {
        auto program = linux_start();
        QxlArena arena(1, command_area);
        cursor_set(arena, SPICE_CURSOR_TYPE_ALPHA);
        program.ram(command_area, arena.bytes()).push(false, arena.address(0), QXL_CMD_CURSOR).port(QXL_IO_NOTIFY_CURSOR).process();
        write_seed("qxl_ports", "cursor", program.data());
    }
    {
        auto program = linux_start();
        QxlArena arena(1, command_area);
        QXLMonitorsConfig header { .count = 1, .max_allowed = 1 };
        arena.put(header);
        QXLHead head { 0, 0, 64, 48, 0, 0, 0 };
        arena.put(head);
        program.ram(command_area, arena.bytes()).header(offsetof(QXLRam, monitors_config), arena.address(0)).port(QXL_IO_MONITORS_CONFIG_ASYNC);
        write_seed("qxl_ports", "monitors-config", program.data());
    }
    {
        // Surfaces created and destroyed by command and by port, releases flushed, OOM, primary gone.
        auto program = linux_start();
        QxlArena arena(1, command_area);
        surface_create(arena, 3, QXLPHYSICAL(2) << 56);
        QXLSurfaceCmd destroy {};
        destroy.surface_id = 3;
        destroy.type = QXL_SURFACE_CMD_DESTROY;
        uint64_t destroy_at = arena.put(destroy);
        surface_create(arena, 4, (QXLPHYSICAL(2) << 56) | 4096);
        program.ram(command_area, arena.bytes()).push(true, arena.address(0), QXL_CMD_SURFACE).push(true, arena.address(destroy_at), QXL_CMD_SURFACE);
        program.push(true, arena.address(destroy_at + sizeof(QXLSurfaceCmd)), QXL_CMD_SURFACE).port(QXL_IO_NOTIFY_CMD).process();
        program.port(QXL_IO_DESTROY_SURFACE_WAIT, 4).port(QXL_IO_FLUSH_RELEASE).port(QXL_IO_NOTIFY_OOM).port(QXL_IO_FLUSH_SURFACES_ASYNC);
        program.port(QXL_IO_DESTROY_PRIMARY).port(QXL_IO_DESTROY_ALL_SURFACES).port(QXL_IO_UPDATE_IRQ);
        write_seed("qxl_ports", "surface-lifecycle", program.data());
    }
    {
        // A revision-1 driver: SET_MODE then a compat drawable, then RESET and the Linux start again.
        QxlPortsProgram program;
        program.port(QXL_IO_SET_MODE, 0);
        QxlArena arena(0, ram_address + command_area);
        fill_drawable(arena, 0);
        program.ram(command_area, arena.bytes()).push(true, arena.address(0), QXL_CMD_DRAW).port(QXL_IO_NOTIFY_CMD).process().reset();
        auto rest = linux_start().data();
        std::vector<uint8_t> bytes = program.data();
        bytes.insert(bytes.end(), rest.begin(), rest.end());
        write_seed("qxl_ports", "set-mode-then-reset", bytes);
    }
}

// ---- VGA -----------------------------------------------------------------------------------------

class VgaProgram {
public:
    explicit VgaProgram(VgaMemory memory) { m_program.u8(uint8_t(memory)); }
    VgaProgram& out(uint16_t port, uint8_t value)
    {
        m_program.u8(uint8_t(VgaOp::PortWrite)).u8(uint8_t(port - 0x3B0)).u8(0).u32(value);
        return *this;
    }
    VgaProgram& in(uint16_t port)
    {
        m_program.u8(uint8_t(VgaOp::PortRead)).u8(uint8_t(port - 0x3B0)).u8(0);
        return *this;
    }
    VgaProgram& indexed(uint16_t index_port, uint8_t index, uint8_t value) { return out(index_port, index).out(index_port + 1, value); }
    VgaProgram& vbe(uint16_t index, uint16_t value)
    {
        m_program.u8(uint8_t(VgaOp::VbeWrite)).u8(0).u8(1).u32(index);
        m_program.u8(uint8_t(VgaOp::VbeWrite)).u8(1).u8(1).u32(value);
        return *this;
    }
    VgaProgram& window(uint32_t offset, uint16_t count, uint8_t value)
    {
        m_program.u8(uint8_t(VgaOp::WindowWrite)).u32(offset).u16(count).u8(value);
        return *this;
    }
    VgaProgram& fill(uint32_t offset, const std::vector<uint8_t>& bytes)
    {
        m_program.u8(uint8_t(VgaOp::FillVram)).u32(offset).u16(uint16_t(bytes.size())).bytes(bytes);
        return *this;
    }
    VgaProgram& op(VgaOp op)
    {
        m_program.u8(uint8_t(op)).u8(1);
        return *this;
    }
    const std::vector<uint8_t>& data() const { return m_program.data(); }

private:
    FuzzProgram m_program;
};

// The standard mode 3 (80x25 text) and mode 0x13 (320x200x256) register sets.
struct VgaMode {
    uint8_t misc;
    uint8_t sequencer[5];
    uint8_t crtc[25];
    uint8_t graphics[9];
    uint8_t attribute[21];
};
constexpr VgaMode mode_3 {
    0x67,
    { 0x03, 0x00, 0x03, 0x00, 0x02 },
    { 0x5F, 0x4F, 0x50, 0x82, 0x55, 0x81, 0xBF, 0x1F, 0x00, 0x4F, 0x0D, 0x0E, 0x00, 0x00, 0x00, 0x50, 0x9C, 0x0E, 0x8F, 0x28,
        0x1F, 0x96, 0xB9, 0xA3, 0xFF },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0E, 0x00, 0xFF },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x0C, 0x00, 0x0F, 0x08,
        0x00 },
};
constexpr VgaMode mode_13 {
    0x63,
    { 0x03, 0x01, 0x0F, 0x00, 0x0E },
    { 0x5F, 0x4F, 0x50, 0x82, 0x54, 0x80, 0xBF, 0x1F, 0x00, 0x41, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x9C, 0x0E, 0x8F, 0x28,
        0x40, 0x96, 0xB9, 0xA3, 0xFF },
    { 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x05, 0x0F, 0xFF },
    { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x41, 0x00, 0x0F, 0x00,
        0x00 },
};

VgaProgram set_vga_mode(VgaMemory memory, const VgaMode& mode)
{
    VgaProgram program(memory);
    program.out(0x3C2, mode.misc);
    for (uint8_t i = 0; i < 5; ++i)
        program.indexed(0x3C4, i, mode.sequencer[i]);
    program.indexed(0x3D4, 0x11, 0x0E); // unlock CR0-CR7
    for (uint8_t i = 0; i < 25; ++i)
        program.indexed(0x3D4, i, mode.crtc[i]);
    for (uint8_t i = 0; i < 9; ++i)
        program.indexed(0x3CE, i, mode.graphics[i]);
    program.in(0x3DA);
    for (uint8_t i = 0; i < 21; ++i)
        program.out(0x3C0, i).out(0x3C0, mode.attribute[i]);
    program.out(0x3C0, 0x20);
    program.out(0x3C8, 0);
    for (int i = 0; i < 48; ++i)
        program.out(0x3C9, uint8_t(i * 5 % 64));
    return program;
}

void vga_seeds()
{
    auto text = set_vga_mode(VgaMemory::Planes256K, mode_3);
    text.window(0x18000, 4000, 0x41).op(VgaOp::TextScreen).op(VgaOp::Render).op(VgaOp::Update);
    write_seed("vga", "text-mode", text.data());

    auto graphics = set_vga_mode(VgaMemory::Mib1, mode_13);
    graphics.window(0, 16000, 0x2A).op(VgaOp::Update).window(100, 300, 7).op(VgaOp::Update).op(VgaOp::Render);
    write_seed("vga", "mode-13h", graphics.data());

    constexpr uint16_t xres = 1, yres = 2, bpp = 3, enable = 4, virt_width = 6, x_offset = 8, y_offset = 9;
    for (uint16_t depth : { 4, 8, 15, 16, 24, 32 }) {
        VgaProgram vbe(depth == 32 ? VgaMemory::Mib16 : VgaMemory::Mib1);
        vbe.vbe(0, 0xB0C5).vbe(xres, 320).vbe(yres, 200).vbe(bpp, depth).vbe(enable, 0x41);
        vbe.fill(0, ramp(4096)).op(VgaOp::Update).vbe(virt_width, 640).vbe(x_offset, 16).vbe(y_offset, 3).op(VgaOp::Update);
        vbe.window(0, 512, 0x55).op(VgaOp::Render);
        write_seed("vga", "vbe-" + std::to_string(depth), vbe.data());
    }
}

// ---- SPICE link and channels ---------------------------------------------------------------------

std::vector<uint8_t> link_message(uint8_t channel_type, uint32_t connection_id, uint32_t common_caps)
{
    FuzzProgram message;
    uint32_t channel_caps = 0xF;
    message.put(SpiceLinkHeader { SPICE_MAGIC, SPICE_VERSION_MAJOR, SPICE_VERSION_MINOR, uint32_t(sizeof(SpiceLinkMess) + 8) });
    message.put(SpiceLinkMess { connection_id, channel_type, 0, 1, 1, sizeof(SpiceLinkMess) });
    message.u32(common_caps).u32(channel_caps);
    return message.data();
}

void link_seeds()
{
    constexpr uint8_t encrypt = 1;
    constexpr uint32_t auth_selection = 1u << SPICE_COMMON_CAP_PROTOCOL_AUTH_SELECTION;
    constexpr uint32_t spice_gtk_caps = 0x0D;
    for (uint8_t channel : { uint8_t(SPICE_CHANNEL_MAIN), uint8_t(SPICE_CHANNEL_DISPLAY), uint8_t(SPICE_CHANNEL_INPUTS) }) {
        for (uint8_t chunk : { uint8_t(0), uint8_t(255) }) {
            FuzzProgram seed;
            seed.u8(chunk).u8(encrypt).bytes(link_message(channel, 0x01234567, spice_gtk_caps));
            seed.u32(SPICE_COMMON_CAP_AUTH_SPICE);
            std::string password = "secret";
            seed.u8(uint8_t(password.size())).bytes({ reinterpret_cast<const uint8_t*>(password.data()), password.size() });
            write_seed("link_handshake", "channel-" + std::to_string(channel) + "-chunk-" + std::to_string(chunk), seed.data());
        }
    }
    FuzzProgram no_selection;
    no_selection.u8(255).u8(0).bytes(link_message(SPICE_CHANNEL_MAIN, 0, 0));
    std::vector<uint8_t> ticket(128, 0x5A);
    no_selection.bytes(ticket);
    write_seed("link_handshake", "no-auth-selection-bad-ticket", no_selection.data());
    FuzzProgram wrong_password;
    wrong_password.u8(64).u8(encrypt).bytes(link_message(SPICE_CHANNEL_CURSOR, 7, auth_selection)).u32(SPICE_COMMON_CAP_AUTH_SPICE).u8(5);
    wrong_password.bytes({ reinterpret_cast<const uint8_t*>("wrong"), 5 });
    write_seed("link_handshake", "wrong-password", wrong_password.data());
}

class ChannelSeed {
public:
    explicit ChannelSeed(uint8_t flags) : m_mini(flags & MiniHeader) { m_program.u8(flags); }
    ChannelSeed& message(uint16_t type, const std::vector<uint8_t>& body = {})
    {
        if (m_mini)
            m_program.put(SpiceMiniDataHeader { type, uint32_t(body.size()) });
        else
            m_program.put(SpiceDataHeader { ++m_serial, type, uint32_t(body.size()), 0 });
        m_program.bytes(body);
        return *this;
    }
    const std::vector<uint8_t>& data() const { return m_program.data(); }

private:
    bool m_mini;
    uint64_t m_serial { 0 };
    FuzzProgram m_program;
};

template<typename... T>
std::vector<uint8_t> body(T... values)
{
    FuzzProgram program;
    (program.put(values), ...);
    return program.data();
}

void channel_seeds()
{
    for (uint8_t flags : { uint8_t(0), uint8_t(MiniHeader), uint8_t(MiniHeader | SplitInput) }) {
        std::string suffix = "-" + std::to_string(flags);
        ChannelSeed common(flags);
        common.message(SPICE_MSGC_ACK_SYNC, body(uint32_t(1))).message(SPICE_MSGC_ACK).message(SPICE_MSGC_PONG, body(uint32_t(1), uint64_t(5)));
        common.message(SPICE_MSGC_DISCONNECTING, body(uint64_t(0), uint32_t(0)));

        ChannelSeed main = common;
        main.message(SPICE_MSGC_MAIN_ATTACH_CHANNELS).message(SPICE_MSGC_MAIN_MOUSE_MODE_REQUEST, body(uint16_t(SPICE_MOUSE_MODE_CLIENT)));
        main.message(SPICE_MSGC_MAIN_AGENT_START, body(uint32_t(10)));
        main.message(SPICE_MSGC_MAIN_AGENT_DATA, body(uint32_t(1), uint32_t(1), uint64_t(0), uint32_t(4), uint32_t(0xDEADBEEF)));
        main.message(SPICE_MSGC_MAIN_AGENT_TOKEN, body(uint32_t(5))).message(SPICE_MSGC_MAIN_CLIENT_INFO, body(uint64_t(0)));
        write_seed("main_channel", "session" + suffix, main.data());

        ChannelSeed display = common;
        display.message(SPICE_MSGC_DISPLAY_INIT, body(uint8_t(1), int64_t(1 << 20), uint8_t(0), int32_t(1 << 16)));
        display.message(SPICE_MSGC_ACK).message(SPICE_MSGC_ACK_SYNC, body(uint32_t(2))).message(SPICE_MSGC_ACK);
        write_seed("display_channel", "init" + suffix, display.data());

        ChannelSeed inputs = common;
        inputs.message(SPICE_MSGC_INPUTS_KEY_DOWN, body(uint32_t(0x1E))).message(SPICE_MSGC_INPUTS_KEY_UP, body(uint32_t(0x9E)));
        inputs.message(SPICE_MSGC_INPUTS_KEY_DOWN, body(uint32_t(0x48E0))).message(SPICE_MSGC_INPUTS_KEY_SCANCODE, body(uint8_t(0x1E), uint8_t(0x9E)));
        inputs.message(SPICE_MSGC_INPUTS_MOUSE_MOTION, body(int32_t(3), int32_t(-2), uint16_t(1)));
        inputs.message(SPICE_MSGC_INPUTS_MOUSE_PRESS, body(uint8_t(SPICE_MOUSE_BUTTON_LEFT), uint16_t(1)));
        inputs.message(SPICE_MSGC_INPUTS_MOUSE_RELEASE, body(uint8_t(SPICE_MOUSE_BUTTON_LEFT), uint16_t(0)));
        inputs.message(SPICE_MSGC_INPUTS_MOUSE_POSITION, body(uint32_t(10), uint32_t(10), uint16_t(0), uint8_t(0)));
        inputs.message(SPICE_MSGC_INPUTS_KEY_MODIFIERS, body(uint16_t(SPICE_KEYBOARD_MODIFIER_FLAGS_CAPS_LOCK)));
        write_seed("inputs_channel", "typing" + suffix, inputs.data());

        write_seed("cursor_channel", "common" + suffix, common.data());
    }
}

// ---- fw_cfg --------------------------------------------------------------------------------------

void fw_cfg_seeds()
{
    auto write = [](FuzzProgram& program, uint8_t offset, uint8_t size_selector, uint32_t value) {
        program.u8(uint8_t(FwCfgOp::Write)).u8(offset).u8(size_selector).u32(value);
    };
    auto be32 = [](uint32_t value) { return __builtin_bswap32(value); };
    {
        // The traditional interface: select the directory, read it byte by byte.
        FuzzProgram program;
        write(program, 0, 1, 0x19);
        for (int i = 0; i < 80; ++i)
            program.u8(uint8_t(FwCfgOp::Read)).u8(1).u8(0);
        write_seed("fw_cfg", "directory", program.data());
    }
    for (uint32_t control : { 0x00190000u | 0x0A, 0x00200000u | 0x0C, 0x00220000u | 0x0A, 0x10u, 0x0Bu }) {
        // A DMA descriptor at 0x1000 reading into 0x2000, run by the high then low address writes.
        FuzzProgram program;
        FuzzProgram descriptor;
        descriptor.u32(be32(control)).u32(be32(0x100)).u64(__builtin_bswap64(0x2000));
        program.u8(uint8_t(FwCfgOp::WriteMemory)).u16(0x1000).u16(uint16_t(descriptor.data().size())).bytes(descriptor.data());
        write(program, 4, 2, 0);
        write(program, 8, 2, be32(0x1000));
        write_seed("fw_cfg", "dma-" + std::to_string(control), program.data());
    }
}

// ---- Kernel images -------------------------------------------------------------------------------

std::vector<uint8_t> kernel_input(uint8_t ram, const std::string& cmdline, uint32_t initrd, const std::vector<uint8_t>& image)
{
    FuzzProgram program;
    program.u8(ram).u16(uint16_t(cmdline.size())).bytes({ reinterpret_cast<const uint8_t*>(cmdline.data()), cmdline.size() }).u32(initrd);
    program.bytes(image);
    return program.data();
}

// A bzImage with a 2.15 setup header, 64-bit entry and relocatable, as Debian's kernels are.
std::vector<uint8_t> bzimage()
{
    constexpr uint8_t setup_sects = 4;
    std::vector<uint8_t> image((setup_sects + 1) * 512 + 8192, 0x90);
    auto put16 = [&](size_t at, uint16_t value) { std::memcpy(image.data() + at, &value, 2); };
    auto put32 = [&](size_t at, uint32_t value) { std::memcpy(image.data() + at, &value, 4); };
    auto put64 = [&](size_t at, uint64_t value) { std::memcpy(image.data() + at, &value, 8); };
    image[0x1F1] = setup_sects;
    put16(0x1FE, 0xAA55);
    put32(0x202, 0x53726448); // "HdrS"
    put16(0x206, 0x020F);
    image[0x211] = 0x01;        // loadflags: LOADED_HIGH
    put32(0x214, 0x100000);     // code32_start
    put32(0x22C, 0x7FFFFFFF);   // initrd_addr_max
    put32(0x230, 0x200000);     // kernel_alignment
    image[0x234] = 1;           // relocatable_kernel
    image[0x235] = 21;          // min_alignment
    put16(0x236, 0x3);          // xloadflags: XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G
    put32(0x238, 2047);         // cmdline_size
    put64(0x258, 0x1000000);    // pref_address
    put32(0x260, 0x400000);     // init_size
    return image;
}

// A static ELF64 executable with a code segment and a data segment with bss.
std::vector<uint8_t> elf()
{
    constexpr uint64_t base = 0x200000;
    std::vector<uint8_t> bytes(128, 0xCC);
    return spicebox::test::elf_image(base, { { base, bytes, 128, PF_R | PF_X }, { base + 0x1000, bytes, 0x3000, PF_R | PF_W } });
}

void kernel_loader_seeds()
{
    write_seed("kernel_loader", "bzimage", kernel_input(1, "console=ttyS0 quiet", 4096, bzimage()));
    write_seed("kernel_loader", "bzimage-big-initrd", kernel_input(0, "", 3 << 20, bzimage()));
    write_seed("kernel_loader", "elf", kernel_input(1, "hello", 0, elf()));
    write_seed("kernel_loader", "elf-initrd", kernel_input(2, "", 1 << 20, elf()));
}

// ---- The wire reader -----------------------------------------------------------------------------

void wire_reader_seeds()
{
    FuzzProgram seed;
    const uint8_t program[] = { 0, 0, 0, 1, 0, 0, 2, 0, 0, 4, 0, 0, 5, 8, 0, 6, 2, 0, 8, 0, 0, 7, 0, 0, 8, 0, 0 };
    seed.u8(sizeof program / 3).bytes(program);
    seed.bytes(link_message(SPICE_CHANNEL_MAIN, 0, 0x0D));
    write_seed("wire_reader", "link-message", seed.data());
    FuzzProgram pong;
    pong.u8(1).bytes(std::vector<uint8_t> { 3, 0, 0 }).u32(9).u64(77);
    write_seed("wire_reader", "pong", pong.data());
}

} // namespace

// ---- Image codecs -----------------------------------------------------------------------------------

void put_be32(std::vector<uint8_t>& out, uint32_t value)
{
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(uint8_t(value >> shift));
}

// An LZ or GLZ literal run: ctrl = count - 1, then the units' bytes.
void lz_literals(std::vector<uint8_t>& out, std::initializer_list<std::vector<uint8_t>> units)
{
    out.push_back(uint8_t(units.size() - 1));
    for (const auto& unit : units)
        out.insert(out.end(), unit.begin(), unit.end());
}

std::vector<uint8_t> lz_header(spicebox::LzImageType type, uint32_t width, uint32_t height, uint32_t stride)
{
    std::vector<uint8_t> out;
    for (uint32_t word : { spicebox::lz_magic, spicebox::lz_version, uint32_t(type), width, height, stride, 1u })
        put_be32(out, word);
    return out;
}

std::vector<uint8_t> glz_header(spicebox::LzImageType type, uint32_t width, uint32_t height, uint64_t id, uint32_t win_head_dist)
{
    std::vector<uint8_t> out;
    put_be32(out, spicebox::lz_magic);
    put_be32(out, spicebox::lz_version);
    out.push_back(uint8_t(uint32_t(type) | 1u << 4));
    for (uint32_t word : { width, height, width * 4, uint32_t(id >> 32), uint32_t(id), win_head_dist })
        put_be32(out, word);
    return out;
}

spicebox::Bitmap gradient(spicebox::BitmapFormat format, uint32_t bytes_per_pixel)
{
    spicebox::Bitmap bitmap;
    bitmap.format = format;
    bitmap.width = 24;
    bitmap.height = 16;
    bitmap.stride = bitmap.width * bytes_per_pixel;
    bitmap.pixels.resize(size_t(bitmap.stride) * bitmap.height);
    for (size_t i = 0; i < bitmap.pixels.size(); ++i)
        bitmap.pixels[i] = uint8_t(i % bitmap.stride * 5 + i / bitmap.stride * 9);
    return bitmap;
}

// QUIC words are written most significant bit first and stored little-endian.
class QuicBits {
public:
    explicit QuicBits(uint32_t type, uint32_t width, uint32_t height)
    {
        for (uint32_t word : { 0x43495551u, 0u, type, width, height })
            put(word, 32);
    }
    QuicBits& put(uint32_t value, unsigned bits)
    {
        for (unsigned i = bits; i-- > 0;) {
            m_word = m_word << 1 | ((value >> i) & 1);
            if (++m_bits == 32) {
                FuzzProgram word;
                word.u32(m_word);
                m_bytes.insert(m_bytes.end(), word.data().begin(), word.data().end());
                m_word = 0;
                m_bits = 0;
            }
        }
        return *this;
    }
    std::vector<uint8_t> finish()
    {
        put(0, 32 - m_bits);
        put(0, 32);
        return m_bytes;
    }

private:
    std::vector<uint8_t> m_bytes;
    uint32_t m_word { 0 };
    unsigned m_bits { 0 };
};

void codec_seeds()
{
    using spicebox::BitmapFormat;
    using spicebox::LzImageType;
    struct Lz4Case {
        BitmapFormat format;
        uint32_t bytes_per_pixel;
    };
    for (auto [format, bytes_per_pixel] : { Lz4Case { BitmapFormat::Xrgb8888, 4 }, Lz4Case { BitmapFormat::Rgb888, 3 },
             Lz4Case { BitmapFormat::Rgb555, 2 }, Lz4Case { BitmapFormat::Argb8888, 4 } }) {
        auto bitmap = gradient(format, bytes_per_pixel);
        FuzzProgram program;
        program.u16(uint16_t(bitmap.width)).u16(uint16_t(bitmap.height)).bytes(spicebox::encode_lz4_image(bitmap).value());
        write_seed("lz4_decoder", "format-" + std::to_string(int(format)), program.data());
    }
    for (int quality : { 10, 85 })
        write_seed("jpeg_decoder", "quality-" + std::to_string(quality), spicebox::encode_jpeg(gradient(BitmapFormat::Xrgb8888, 4), quality).value());

    // QUIC: a black pixel with the initial code (7: flag bit + 7 bits), then pixels with code 0 (unary).
    write_seed("quic_decoder", "rgb32-row", QuicBits(4, 2, 1).put(0x80, 8).put(0x80, 8).put(0x80, 8).put(1, 3).put(1, 2).put(1, 1).finish());
    write_seed("quic_decoder", "rgb32-column", QuicBits(4, 1, 2).put(0x80, 8).put(0x80, 8).put(0x80, 8).put(1, 7).put(1, 1).put(237, 26).finish());
    write_seed("quic_decoder", "rgb16", QuicBits(2, 1, 1).put(0x11, 5).put(0x10, 5).put(0x14, 5).finish());
    write_seed("quic_decoder", "rgba", QuicBits(5, 2, 1).put(0x80, 8).put(0x80, 8).put(0x80, 8).put(1, 3).put(1, 2).put(1, 1).put(0x7f, 8).put(0x7e, 8).finish());

    // LZ: literals, a match one row back, a run (ctrl = (length - bias + 1) << 5 | distance high bits).
    auto rgb32 = lz_header(LzImageType::Rgb32, 3, 2, 12);
    lz_literals(rgb32, { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } });
    rgb32.insert(rgb32.end(), { 3 << 5, 2 });
    auto without_palette = [](const std::vector<uint8_t>& stream) {
        FuzzProgram program;
        program.u8(0).bytes(stream);
        return program.data();
    };
    write_seed("lz_decoder", "rgb32", without_palette(rgb32));
    auto plt8 = lz_header(LzImageType::Plt8, 8, 1, 8);
    lz_literals(plt8, { { 1 }, { 2 } });
    plt8.insert(plt8.end(), { 4 << 5, 1 });
    FuzzProgram palette;
    palette.u8(3).u32(0x000000).u32(0xff0000).u32(0x00ff00).bytes(plt8);
    write_seed("lz_decoder", "plt8", palette.data());
    auto rgba = lz_header(LzImageType::Rgba, 4, 1, 16);
    lz_literals(rgba, { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 }, { 10, 11, 12 } });
    lz_literals(rgba, { { 0xff } });
    rgba.insert(rgba.end(), { 1 << 5, 0 });
    write_seed("lz_decoder", "rgba", without_palette(rgba));

    // GLZ: image 0, then image 1 copying it (a match with image distance 1), alone and zlib-wrapped.
    auto first = glz_header(LzImageType::Rgb32, 4, 1, 0, 0);
    lz_literals(first, { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 }, { 10, 11, 12 } });
    auto second = glz_header(LzImageType::Rgb32, 4, 1, 1, 1);
    second.insert(second.end(), { 4 << 5, 0, 1 });
    FuzzProgram glz;
    glz.u32(1 << 20);
    for (const auto* image : { &first, &second })
        glz.u8(0).u16(uint16_t(image->size())).bytes(*image);
    write_seed("glz_decoder", "two-images", glz.data());
    std::vector<uint8_t> deflated(compressBound(uLong(first.size())));
    uLongf deflated_size = deflated.size();
    compress(deflated.data(), &deflated_size, first.data(), uLong(first.size()));
    FuzzProgram zlib_image;
    zlib_image.u32(uint32_t(first.size())).u32(uint32_t(deflated_size)).bytes({ deflated.data(), deflated_size });
    FuzzProgram zlib_glz;
    zlib_glz.u32(1 << 20).u8(1).u16(uint16_t(zlib_image.data().size())).bytes(zlib_image.data());
    write_seed("glz_decoder", "zlib", zlib_glz.data());
}

// ---- what a server sends to our client ---------------------------------------------------------

// Steps of client_display_fuzzer / client_channels_fuzzer; `arrive` frames a message as the server does.
class ServerSeed {
public:
    explicit ServerSeed(bool mini) : m_mini(mini) { m_program.u8(mini ? ServerMiniHeader : 0); }
    ServerSeed& arrive(uint8_t op, uint16_t type, const std::vector<uint8_t>& body = {})
    {
        FuzzProgram message;
        if (m_mini)
            message.put(SpiceMiniDataHeader { type, uint32_t(body.size()) });
        else
            message.put(SpiceDataHeader { ++m_serial, type, uint32_t(body.size()), 0 });
        message.bytes(body);
        m_program.u8(op).u32(uint32_t(message.data().size())).bytes(message.data());
        return *this;
    }
    ServerSeed& display(uint16_t type, const std::vector<uint8_t>& body = {}) { return arrive(uint8_t(ClientDisplayOp::Arrive), type, body); }
    ServerSeed& wait(uint16_t milliseconds)
    {
        m_program.u8(uint8_t(ClientDisplayOp::Wait)).u16(milliseconds);
        return *this;
    }
    ServerSeed& media_time(uint32_t time)
    {
        m_program.u8(uint8_t(ClientDisplayOp::MediaTime)).u32(time);
        return *this;
    }
    FuzzProgram& program() { return m_program; }
    const std::vector<uint8_t>& data() const { return m_program.data(); }

private:
    bool m_mini;
    uint64_t m_serial { 0 };
    FuzzProgram m_program;
};

// Images as a server puts them in a draw: raw (optionally to be cached), from the cache, or one codec's payload.
class SeedImageWriter : public spicebox::ImageWriter {
public:
    SeedImageWriter(uint8_t type, std::vector<uint8_t> payload, uint8_t flags) : m_type(type), m_payload(std::move(payload)), m_flags(flags) { }
    void write_image(spicebox::WireWriter& writer, size_t body_start, const spicebox::Image& image) override
    {
        if (m_type == SPICE_IMAGE_TYPE_BITMAP) {
            spicebox::write_raw_image(writer, body_start, image, m_flags, [](uint32_t) { return std::pair(64u, 48u); });
            return;
        }
        const auto& bitmap = std::get<spicebox::Bitmap>(image.source);
        spicebox::write_image_descriptor(writer, image.id, m_type, m_flags, bitmap.width, bitmap.height);
        if (m_type == SPICE_IMAGE_TYPE_FROM_CACHE)
            return;
        writer.put_u32(uint32_t(m_payload.size()));
        writer.put_bytes(m_payload);
    }

private:
    uint8_t m_type;
    std::vector<uint8_t> m_payload;
    uint8_t m_flags;
};

std::vector<uint8_t> draw_body(const spicebox::DrawCommand& command, spicebox::ImageWriter& images)
{
    std::vector<uint8_t> out;
    spicebox::WireWriter writer(out);
    spicebox::marshal_draw(writer, 0, command, images);
    return out;
}

spicebox::DrawCommand copy_command(const spicebox::Bitmap& bitmap, uint64_t id, spicebox::Rect source)
{
    spicebox::DrawCommand command;
    command.bbox = spicebox::Rect { 8, 8, 8 + source.width(), 8 + source.height() };
    spicebox::Image image;
    image.id = id;
    image.source = bitmap;
    command.operation = spicebox::CopyOp { image, source };
    return command;
}

std::vector<uint8_t> stream_create(uint32_t id, uint8_t flags, spicebox::Rect dest)
{
    FuzzProgram body;
    body.u32(0).u32(id).u8(flags).u8(SPICE_VIDEO_CODEC_TYPE_MJPEG).u64(0);
    body.u32(uint32_t(dest.width())).u32(uint32_t(dest.height())).u32(uint32_t(dest.width())).u32(uint32_t(dest.height()));
    body.put(dest.top).put(dest.left).put(dest.bottom).put(dest.right).u8(SPICE_CLIP_TYPE_NONE);
    return body.data();
}

void client_seeds()
{
    using spicebox::BitmapFormat;
    using spicebox::LzImageType;
    using spicebox::Rect;
    auto bitmap = gradient(BitmapFormat::Xrgb8888, 4);
    Rect whole { 0, 0, int32_t(bitmap.width), int32_t(bitmap.height) };
    Rect pixel { 0, 0, 1, 1 };
    auto lz = lz_header(LzImageType::Rgb32, 3, 2, 12);
    lz_literals(lz, { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } });
    lz.insert(lz.end(), { 3 << 5, 2 });
    auto glz = glz_header(LzImageType::Rgb32, 4, 1, 0, 0);
    lz_literals(glz, { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 }, { 10, 11, 12 } });
    auto jpeg = spicebox::encode_jpeg(bitmap, 85).value();
    struct CodecImage {
        const char* name;
        uint8_t type;
        std::vector<uint8_t> payload;
        Rect source;
    };
    std::vector<CodecImage> codecs {
        { "lz4", SPICE_IMAGE_TYPE_LZ4, spicebox::encode_lz4_image(bitmap).value(), whole },
        { "jpeg", SPICE_IMAGE_TYPE_JPEG, jpeg, whole },
        { "quic", SPICE_IMAGE_TYPE_QUIC, QuicBits(4, 2, 1).put(0x80, 8).put(0x80, 8).put(0x80, 8).put(1, 3).put(1, 2).put(1, 1).finish(), pixel },
        { "lz", SPICE_IMAGE_TYPE_LZ_RGB, lz, pixel },
        { "glz", SPICE_IMAGE_TYPE_GLZ_RGB, glz, pixel },
    };
    for (bool mini : { false, true }) {
        std::string suffix = mini ? "-mini" : "-full";
        ServerSeed start(mini);
        start.display(SPICE_MSG_SET_ACK, body(uint32_t(1), uint32_t(10)));
        start.display(SPICE_MSG_DISPLAY_SURFACE_CREATE, body(uint32_t(0), uint32_t(64), uint32_t(48), uint32_t(SPICE_SURFACE_FMT_32_xRGB),
            uint32_t(SPICE_SURFACE_FLAGS_PRIMARY)));

        ServerSeed draws = start;
        spicebox::DrawCommand fill;
        fill.bbox = Rect { 0, 0, 64, 48 };
        fill.operation = spicebox::FillOp { spicebox::SolidBrush { 0x336699 } };
        SeedImageWriter none(SPICE_IMAGE_TYPE_BITMAP, {}, 0);
        draws.display(spicebox::draw_message_type(fill), draw_body(fill, none));
        SeedImageWriter cache_me(SPICE_IMAGE_TYPE_BITMAP, {}, SPICE_IMAGE_FLAGS_CACHE_ME);
        auto raw = copy_command(bitmap, 7, whole);
        draws.display(SPICE_MSG_DISPLAY_DRAW_COPY, draw_body(raw, cache_me));
        SeedImageWriter from_cache(SPICE_IMAGE_TYPE_FROM_CACHE, {}, 0);
        draws.display(SPICE_MSG_DISPLAY_DRAW_COPY, draw_body(raw, from_cache));
        draws.display(SPICE_MSG_DISPLAY_INVAL_LIST, body(uint16_t(1), uint8_t(SPICE_RES_TYPE_PIXMAP), uint64_t(7)));
        draws.display(SPICE_MSG_DISPLAY_MARK);
        write_seed("client_display", "fill-copy-cache" + suffix, draws.data());

        for (const auto& codec : codecs) {
            ServerSeed coded = start;
            SeedImageWriter writer(codec.type, codec.payload, SPICE_IMAGE_FLAGS_CACHE_ME);
            coded.display(SPICE_MSG_DISPLAY_DRAW_COPY, draw_body(copy_command(bitmap, 9, codec.source), writer));
            coded.display(SPICE_MSG_DISPLAY_MARK).display(SPICE_MSG_DISPLAY_INVAL_ALL_PIXMAPS);
            write_seed("client_display", std::string("copy-") + codec.name + suffix, coded.data());
        }

        ServerSeed stream = start;
        Rect dest { 16, 8, 16 + int32_t(bitmap.width), 8 + int32_t(bitmap.height) };
        stream.media_time(1000).display(SPICE_MSG_DISPLAY_STREAM_CREATE, stream_create(3, 0, dest));
        FuzzProgram data;
        data.u32(3).u32(1400).u32(uint32_t(jpeg.size())).bytes(jpeg);
        stream.display(SPICE_MSG_DISPLAY_STREAM_DATA, data.data()).wait(100).wait(400);
        FuzzProgram sized;
        sized.u32(3).u32(1500).u32(bitmap.width).u32(bitmap.height).put(int32_t(0)).put(int32_t(0)).put(int32_t(bitmap.height))
            .put(int32_t(bitmap.width)).u32(uint32_t(jpeg.size())).bytes(jpeg);
        stream.display(SPICE_MSG_DISPLAY_STREAM_DATA_SIZED, sized.data());
        stream.display(SPICE_MSG_DISPLAY_STREAM_CLIP, body(uint32_t(3), uint8_t(SPICE_CLIP_TYPE_RECTS), uint32_t(1), int32_t(8), int32_t(16),
            int32_t(20), int32_t(30)));
        stream.display(SPICE_MSG_DISPLAY_STREAM_DATA, data.data()).display(SPICE_MSG_DISPLAY_STREAM_DESTROY, body(uint32_t(3)));
        stream.display(SPICE_MSG_DISPLAY_RESET);
        write_seed("client_display", "stream" + suffix, stream.data());

        ServerSeed channels(mini);
        auto main_op = uint8_t(ClientChannelsOp::ArriveMain);
        auto cursor_op = uint8_t(ClientChannelsOp::ArriveCursor);
        auto inputs_op = uint8_t(ClientChannelsOp::ArriveInputs);
        channels.program().u8(uint8_t(ClientChannelsOp::MouseMode)).u8(1);
        channels.arrive(main_op, SPICE_MSG_MAIN_INIT, body(uint32_t(5), uint32_t(1), uint32_t(SPICE_MOUSE_MODE_SERVER | SPICE_MOUSE_MODE_CLIENT),
            uint32_t(SPICE_MOUSE_MODE_SERVER), uint32_t(0), uint32_t(0), uint32_t(1000), uint32_t(0)));
        channels.arrive(main_op, SPICE_MSG_MAIN_CHANNELS_LIST, body(uint32_t(3), uint8_t(SPICE_CHANNEL_DISPLAY), uint8_t(0),
            uint8_t(SPICE_CHANNEL_CURSOR), uint8_t(0), uint8_t(SPICE_CHANNEL_INPUTS), uint8_t(0)));
        channels.arrive(main_op, SPICE_MSG_MAIN_MOUSE_MODE, body(uint16_t(SPICE_MOUSE_MODE_SERVER | SPICE_MOUSE_MODE_CLIENT), uint16_t(SPICE_MOUSE_MODE_CLIENT)));
        channels.arrive(main_op, SPICE_MSG_MAIN_NAME, body(uint32_t(4), 'g', 'u', 'e', uint8_t(0)));
        channels.arrive(main_op, SPICE_MSG_MAIN_MULTI_MEDIA_TIME, body(uint32_t(2000)));
        channels.arrive(main_op, SPICE_MSG_PING, body(uint32_t(1), uint64_t(0)));
        // A 2x2 ALPHA cursor, cached, then taken from the cache, moved and hidden.
        FuzzProgram shape;
        shape.u16(SPICE_CURSOR_FLAGS_CACHE_ME).u64(11).u8(SPICE_CURSOR_TYPE_ALPHA).u16(2).u16(2).u16(1).u16(1);
        for (uint32_t pixel : { 0xFF000000u, 0xFFFFFFFFu, 0x80FF0000u, 0x00000000u })
            shape.u32(pixel);
        FuzzProgram set;
        set.u16(10).u16(20).u8(1).bytes(shape.data());
        channels.arrive(cursor_op, SPICE_MSG_CURSOR_INIT, body(int16_t(0), int16_t(0), uint16_t(0), uint16_t(0), uint8_t(1),
            uint16_t(SPICE_CURSOR_FLAGS_NONE)));
        channels.arrive(cursor_op, SPICE_MSG_CURSOR_SET, set.data());
        channels.arrive(cursor_op, SPICE_MSG_CURSOR_SET, body(int16_t(1), int16_t(2), uint8_t(1), uint16_t(SPICE_CURSOR_FLAGS_FROM_CACHE), uint64_t(11),
            uint8_t(SPICE_CURSOR_TYPE_ALPHA), uint16_t(2), uint16_t(2), uint16_t(1), uint16_t(1)));
        channels.arrive(cursor_op, SPICE_MSG_CURSOR_MOVE, body(int16_t(30), int16_t(40)));
        channels.arrive(cursor_op, SPICE_MSG_CURSOR_HIDE).arrive(cursor_op, SPICE_MSG_CURSOR_INVAL_ALL);
        for (int i = 0; i < 12; ++i)
            channels.program().u8(uint8_t(ClientChannelsOp::Motion)).u16(3).u16(uint16_t(-2));
        channels.arrive(inputs_op, SPICE_MSG_INPUTS_MOUSE_MOTION_ACK);
        channels.program().u8(uint8_t(ClientChannelsOp::Position)).u16(100).u16(200);
        channels.arrive(inputs_op, SPICE_MSG_INPUTS_INIT, body(uint16_t(0)));
        write_seed("client_channels", "session" + suffix, channels.data());
    }
}

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    corpus_root = argv[1];
    qxl_parser_seeds();
    qxl_ports_seeds();
    vga_seeds();
    link_seeds();
    channel_seeds();
    fw_cfg_seeds();
    kernel_loader_seeds();
    wire_reader_seeds();
    codec_seeds();
    client_seeds();
    return 0;
}
