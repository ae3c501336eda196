#include "vga/vga_renderer.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace spicebox::vga {

namespace {

constexpr uint32_t plane_size = 0x10000;      // each plane, and the CRTC's address space, is 64 KiB
constexpr uint32_t vga_address_mask = vga_memory_size - 1;
constexpr uint32_t planes = 4;
constexpr uint32_t font_block_bytes = 8192 * planes; // one 8 KiB block of plane 2, in interleaved VRAM
constexpr uint32_t glyph_stride = 32 * planes;       // 32 scan lines per character
constexpr uint32_t font_plane = 2;
constexpr uint32_t attribute_plane = 1;
constexpr uint32_t glyph_dots = 8;
constexpr uint32_t line_graphics_first = 0xC0;
constexpr uint32_t line_graphics_last = 0xDF;

using Palette16 = std::array<uint32_t, 16>;
using Palette256 = std::array<uint32_t, dac_entries>;

uint32_t vertical_display_end(const VgaRegisterFile& regs)
{
    uint8_t overflow = regs.crtc(Crtc::Overflow);
    return regs.crtc(Crtc::VerticalDisplayEnd) | (overflow & crtc::overflow_display_end_bit8 ? 0x100u : 0)
        | (overflow & crtc::overflow_display_end_bit9 ? 0x200u : 0);
}

uint32_t line_compare(const VgaRegisterFile& regs)
{
    return regs.crtc(Crtc::LineCompare) | (regs.crtc(Crtc::Overflow) & crtc::overflow_line_compare_bit8 ? 0x100u : 0)
        | (regs.crtc(Crtc::MaximumScanLine) & crtc::max_scan_line_compare_bit9 ? 0x200u : 0);
}

uint32_t start_address(const VgaRegisterFile& regs)
{
    return uint32_t(regs.crtc(Crtc::StartAddressHigh)) << 8 | regs.crtc(Crtc::StartAddressLow);
}

uint32_t shift_control(const VgaRegisterFile& regs)
{
    return (regs.graphics(Gfx::Mode) & gfx::shift_control_mask) >> gfx::shift_control_shift;
}

bool half_dot_clock(const VgaRegisterFile& regs) { return regs.sequencer(Seq::ClockingMode) & seq::clock_half_rate; }

// The 16 colours of the attribute palette, through the colour select bits, the PEL mask and the DAC.
Palette16 palette16(const VgaRegisterFile& regs)
{
    Palette16 colors {};
    uint8_t mode = regs.attribute(Attr::ModeControl);
    uint8_t select = regs.attribute(Attr::ColorSelect);
    for (unsigned i = 0; i < colors.size(); ++i) {
        uint8_t value = regs.palette_register(i);
        uint8_t index = mode & attr::mode_palette_bits_54 ? uint8_t((select & 0x0F) << 4 | (value & 0x0F))
                                                          : uint8_t((select & 0x0C) << 4 | (value & 0x3F));
        colors[i] = regs.dac_color(index & regs.pel_mask());
    }
    return colors;
}

Palette256 palette256(const VgaRegisterFile& regs)
{
    Palette256 colors {};
    for (unsigned i = 0; i < colors.size(); ++i)
        colors[i] = regs.dac_color(uint8_t(i) & regs.pel_mask());
    return colors;
}

struct TextGeometry {
    uint32_t columns;
    uint32_t rows;
    uint32_t cell_height;
    uint32_t dots;   // 8 or 9 dots per glyph row
    uint32_t repeat; // 2 when the half-rate dot clock doubles every dot
    uint32_t cell_width() const { return dots * repeat; }
};

TextGeometry text_geometry(const VgaRegisterFile& regs)
{
    TextGeometry geometry {};
    geometry.columns = regs.crtc(Crtc::HorizontalDisplayEnd) + 1u;
    geometry.cell_height = (regs.crtc(Crtc::MaximumScanLine) & crtc::scan_line_mask) + 1u;
    geometry.rows = (vertical_display_end(regs) + 1) / geometry.cell_height;
    geometry.dots = regs.sequencer(Seq::ClockingMode) & seq::clock_8_dots ? 8 : 9;
    geometry.repeat = half_dot_clock(regs) ? 2 : 1;
    return geometry;
}

// Geometry shared by the VGA's graphics modes.
struct ScanGeometry {
    uint32_t source_width;  // pixels read per line
    uint32_t repeat;        // each pixel drawn this many times
    uint32_t height;        // displayed lines
    uint32_t line_offset;   // bytes of interleaved VRAM between lines
    uint32_t start;         // byte of interleaved VRAM where the screen starts
    uint32_t scan_repeat;   // each line shown this many times
    uint32_t line_compare;  // the displayed line after which scanning restarts at 0
    uint8_t mode_control;   // CR17 (row address substitution)
    uint32_t address_mask;  // VRAM addresses wrap here
};

ScanGeometry vga_scan_geometry(const VgaRegisterFile& regs, ModeKind kind)
{
    ScanGeometry geometry {};
    uint32_t width = (regs.crtc(Crtc::HorizontalDisplayEnd) + 1u) * 8;
    geometry.repeat = kind == ModeKind::Chain256 || half_dot_clock(regs) ? 2 : 1;
    geometry.source_width = kind == ModeKind::Chain256 ? width / 2 : width;
    geometry.height = vertical_display_end(regs) + 1;
    geometry.line_offset = uint32_t(regs.crtc(Crtc::Offset)) * 8;
    geometry.start = start_address(regs) * planes;
    geometry.mode_control = regs.crtc(Crtc::ModeControl);
    uint8_t max_scan = regs.crtc(Crtc::MaximumScanLine);
    uint32_t double_scan = max_scan & crtc::double_scan ? 1 : 0;
    // QEMU's rule: CGA-compatible addressing ignores the character height, only double scan counts.
    if (geometry.mode_control & crtc::mode_no_cga_row_substitution)
        geometry.scan_repeat = ((max_scan & crtc::scan_line_mask) + 1u) << double_scan;
    else
        geometry.scan_repeat = double_scan + 1;
    geometry.line_compare = line_compare(regs);
    geometry.address_mask = vga_address_mask;
    return geometry;
}

ScanGeometry vbe_planar_geometry(const BochsVbe& vbe)
{
    ScanGeometry geometry {};
    geometry.source_width = vbe.width();
    geometry.repeat = 1;
    geometry.height = vbe.height();
    geometry.line_offset = vbe.line_length();
    geometry.start = vbe.start_offset() & ~(planes - 1);
    geometry.scan_repeat = 1;
    geometry.line_compare = UINT32_MAX;
    geometry.mode_control = crtc::mode_no_cga_row_substitution | crtc::mode_no_hercules_row_substitution;
    geometry.address_mask = vbe.video_memory() - 1;
    return geometry;
}

// Pixels of one planar byte group: bit 7 of each plane is the leftmost pixel.
inline uint8_t planar_pixel(const uint8_t* group, unsigned bit)
{
    return uint8_t(((group[0] >> bit) & 1) | ((group[1] >> bit) & 1) << 1 | ((group[2] >> bit) & 1) << 2 | ((group[3] >> bit) & 1) << 3);
}

// Walks the displayed lines of a VGA graphics mode and hands each line's VRAM address to `draw_line`.
template <typename DrawLine>
void scan_lines(const ScanGeometry& geometry, DrawLine draw_line)
{
    uint32_t line_address = geometry.start;
    uint32_t scan = 0;  // repeats left for the current line
    uint32_t row = 0;   // source lines fetched so far (the row counter the substitution uses)
    uint32_t repeat = std::max<uint32_t>(geometry.scan_repeat, 1);
    for (uint32_t y = 0; y < geometry.height; ++y) {
        uint32_t address = line_address;
        if (!(geometry.mode_control & crtc::mode_no_cga_row_substitution)) {
            unsigned bit = geometry.mode_control & crtc::mode_address_wrap ? 15 : 14;
            address = (address & ~(1u << bit)) | ((row & 1) << bit);
        }
        if (!(geometry.mode_control & crtc::mode_no_hercules_row_substitution))
            address = (address & ~0x8000u) | ((row & 2) << 14);
        draw_line(y, address);
        if (++scan == repeat) {
            scan = 0;
            // With row substitution, the address only advances once the substituted bits have cycled.
            uint32_t mask = (geometry.mode_control & 3) ^ 3;
            if ((row & mask) == mask)
                line_address += geometry.line_offset;
            ++row;
        }
        if (y == geometry.line_compare)
            line_address = 0;
    }
}

void render_text(const VgaRegisterFile& regs, std::span<const uint8_t> vram, Framebuffer& out)
{
    TextGeometry geometry = text_geometry(regs);
    uint32_t cell_width = geometry.cell_width();
    Palette16 colors = palette16(regs);

    uint8_t char_map = regs.sequencer(Seq::CharacterMapSelect);
    uint32_t font_base[2] = {
        (((char_map >> 4) & 1) | ((char_map << 1) & 6)) * font_block_bytes + font_plane,
        (((char_map >> 5) & 1) | ((char_map >> 1) & 6)) * font_block_bytes + font_plane,
    };
    uint8_t mode = regs.attribute(Attr::ModeControl);
    bool blink = mode & attr::mode_blink;
    bool line_graphics = mode & attr::mode_line_graphics;

    uint8_t cursor_start = regs.crtc(Crtc::CursorStart);
    uint32_t cursor_first = cursor_start & crtc::cursor_line_mask;
    uint32_t cursor_last = std::min<uint32_t>(regs.crtc(Crtc::CursorEnd) & crtc::cursor_line_mask, geometry.cell_height - 1);
    bool cursor_shown = !(cursor_start & crtc::cursor_disable) && cursor_first <= cursor_last;
    uint32_t cursor_address = (uint32_t(regs.crtc(Crtc::CursorLocationHigh)) << 8 | regs.crtc(Crtc::CursorLocationLow)) & (plane_size - 1);

    uint32_t line_cells = uint32_t(regs.crtc(Crtc::Offset)) * 2;
    uint32_t compare = line_compare(regs);
    uint32_t row_address = start_address(regs);
    uint32_t scan_line = 0;
    std::array<uint32_t, 18> dots {}; // one glyph row, after the 9th column and doubling
    for (uint32_t row = 0; row < geometry.rows; ++row) {
        for (uint32_t column = 0; column < geometry.columns; ++column) {
            uint32_t address = (row_address + column) & (plane_size - 1);
            uint32_t character = vram[address * planes];
            uint8_t attribute = vram[address * planes + attribute_plane];
            uint32_t foreground = colors[attribute & 0x0F];
            uint32_t background = colors[blink ? (attribute >> 4) & 7 : attribute >> 4];
            uint32_t glyph = font_base[(attribute >> 3) & 1] + character * glyph_stride;
            bool ninth_copies = line_graphics && character >= line_graphics_first && character <= line_graphics_last;
            bool cursor_here = cursor_shown && address == cursor_address;
            for (uint32_t line = 0; line < geometry.cell_height; ++line) {
                uint8_t bits = vram[glyph + line * planes];
                if (cursor_here && line >= cursor_first && line <= cursor_last)
                    bits = 0xFF;
                unsigned count = 0;
                for (uint32_t dot = 0; dot < glyph_dots; ++dot) {
                    uint32_t color = bits & (0x80 >> dot) ? foreground : background;
                    for (uint32_t r = 0; r < geometry.repeat; ++r)
                        dots[count++] = color;
                }
                if (geometry.dots == 9) {
                    bool lit = (cursor_here && line >= cursor_first && line <= cursor_last) || (ninth_copies && (bits & 1));
                    for (uint32_t r = 0; r < geometry.repeat; ++r)
                        dots[count++] = lit ? foreground : background;
                }
                uint32_t* target = out.row(row * geometry.cell_height + line) + column * cell_width;
                std::memcpy(target, dots.data(), cell_width * sizeof(uint32_t));
            }
        }
        uint32_t next_scan_line = scan_line + geometry.cell_height;
        row_address += line_cells;
        if (scan_line < compare && next_scan_line >= compare)
            row_address = 0;
        scan_line = next_scan_line;
    }
}

void render_planar(const VgaRegisterFile& regs, const ScanGeometry& geometry, std::span<const uint8_t> vram, Framebuffer& out)
{
    Palette16 colors = palette16(regs);
    uint8_t plane_enable = regs.attribute(Attr::ColorPlaneEnable) & 0x0F;
    uint32_t groups = (geometry.source_width + 7) / 8;
    scan_lines(geometry, [&](uint32_t y, uint32_t address) {
        uint32_t* target = out.row(y);
        uint32_t x = 0;
        for (uint32_t group = 0; group < groups; ++group) {
            uint32_t byte = (address + group * planes) & geometry.address_mask;
            const uint8_t* data = &vram[byte];
            for (int bit = 7; bit >= 0 && x < out.width; --bit) {
                uint32_t color = colors[planar_pixel(data, unsigned(bit)) & plane_enable];
                for (uint32_t r = 0; r < geometry.repeat && x < out.width; ++r)
                    target[x++] = color;
            }
        }
    });
}

// CGA 4-colour: pixels 0-3 of a group are the 2-bit fields of plane 0 (low bit) and plane 2 (high bits),
// pixels 4-7 those of plane 1 and plane 3.
void render_cga4(const VgaRegisterFile& regs, const ScanGeometry& geometry, std::span<const uint8_t> vram, Framebuffer& out)
{
    Palette16 colors = palette16(regs);
    uint8_t plane_enable = regs.attribute(Attr::ColorPlaneEnable) & 0x0F;
    uint32_t groups = (geometry.source_width + 7) / 8;
    scan_lines(geometry, [&](uint32_t y, uint32_t address) {
        uint32_t* target = out.row(y);
        uint32_t x = 0;
        for (uint32_t group = 0; group < groups; ++group) {
            const uint8_t* data = &vram[(address + group * planes) & geometry.address_mask];
            for (uint32_t pixel = 0; pixel < 8 && x < out.width; ++pixel) {
                uint32_t low = pixel < 4 ? data[0] : data[1];
                uint32_t high = pixel < 4 ? data[2] : data[3];
                unsigned shift = 6 - 2 * (pixel % 4);
                uint32_t index = ((low >> shift) & 3) | ((high >> shift) & 3) << 2;
                uint32_t color = colors[index & plane_enable];
                for (uint32_t r = 0; r < geometry.repeat && x < out.width; ++r)
                    target[x++] = color;
            }
        }
    });
}

void render_chain256(const VgaRegisterFile& regs, const ScanGeometry& geometry, std::span<const uint8_t> vram, Framebuffer& out)
{
    Palette256 colors = palette256(regs);
    scan_lines(geometry, [&](uint32_t y, uint32_t address) {
        uint32_t* target = out.row(y);
        uint32_t x = 0;
        for (uint32_t i = 0; i < geometry.source_width && x < out.width; ++i) {
            uint32_t color = colors[vram[(address + i) & geometry.address_mask]];
            for (uint32_t r = 0; r < geometry.repeat && x < out.width; ++r)
                target[x++] = color;
        }
    });
}

inline uint32_t expand5(uint32_t value) { return (value << 3) | (value >> 2); }
inline uint32_t expand6(uint32_t value) { return (value << 2) | (value >> 4); }

void convert_row8(const uint8_t* source, uint32_t* target, uint32_t width, const Palette256& colors)
{
    for (uint32_t x = 0; x < width; ++x)
        target[x] = colors[source[x]];
}

void convert_row15(const uint8_t* source, uint32_t* target, uint32_t width)
{
    for (uint32_t x = 0; x < width; ++x) {
        uint32_t v = source[2 * x] | uint32_t(source[2 * x + 1]) << 8;
        target[x] = expand5((v >> 10) & 0x1F) << 16 | expand5((v >> 5) & 0x1F) << 8 | expand5(v & 0x1F);
    }
}

void convert_row16(const uint8_t* source, uint32_t* target, uint32_t width)
{
    for (uint32_t x = 0; x < width; ++x) {
        uint32_t v = source[2 * x] | uint32_t(source[2 * x + 1]) << 8;
        target[x] = expand5(v >> 11) << 16 | expand6((v >> 5) & 0x3F) << 8 | expand5(v & 0x1F);
    }
}

void convert_row24(const uint8_t* source, uint32_t* target, uint32_t width)
{
    for (uint32_t x = 0; x < width; ++x)
        target[x] = uint32_t(source[3 * x + 2]) << 16 | uint32_t(source[3 * x + 1]) << 8 | source[3 * x];
}

void convert_row32(const uint8_t* source, uint32_t* target, uint32_t width)
{
    for (uint32_t x = 0; x < width; ++x)
        target[x] = (source[4 * x] | uint32_t(source[4 * x + 1]) << 8 | uint32_t(source[4 * x + 2]) << 16);
}

} // namespace

DisplayMode display_mode(const VgaRegisterFile& regs, const BochsVbe& vbe)
{
    DisplayMode mode;
    mode.blank = !regs.screen_enabled();
    if (vbe.enabled()) {
        mode.kind = ModeKind::Vbe;
        mode.width = vbe.width();
        mode.height = vbe.height();
        return mode;
    }
    if (!regs.graphics_mode()) {
        TextGeometry geometry = text_geometry(regs);
        mode.kind = ModeKind::Text;
        mode.width = geometry.columns * geometry.cell_width();
        mode.height = geometry.rows * geometry.cell_height;
        return mode;
    }
    switch (shift_control(regs)) {
    case 0:
        mode.kind = ModeKind::Planar16;
        break;
    case 1:
        mode.kind = ModeKind::Cga4;
        break;
    default:
        mode.kind = ModeKind::Chain256;
        break;
    }
    ScanGeometry geometry = vga_scan_geometry(regs, mode.kind);
    mode.width = geometry.source_width * geometry.repeat;
    mode.height = geometry.height;
    return mode;
}

void render_vbe_rows(const VgaRegisterFile& regs, const BochsVbe& vbe, std::span<const uint8_t> vram, Framebuffer& out, uint32_t first, uint32_t end)
{
    uint32_t width = std::min(vbe.width(), out.width);
    end = std::min(end, out.height);
    uint32_t bytes_per_pixel = vbe_storage_bits(vbe.bpp()) / 8;
    Palette256 colors {};
    if (vbe.bpp() == 8)
        colors = palette256(regs);
    for (uint32_t y = first; y < end; ++y) {
        uint64_t offset = vbe.start_offset() + uint64_t(y) * vbe.line_length();
        uint32_t* target = out.row(y);
        if (offset + uint64_t(width) * bytes_per_pixel > vram.size()) {
            std::fill(target, target + out.width, 0);
            continue;
        }
        const uint8_t* source = vram.data() + offset;
        switch (vbe.bpp()) {
        case 8:
            convert_row8(source, target, width, colors);
            break;
        case 15:
            convert_row15(source, target, width);
            break;
        case 16:
            convert_row16(source, target, width);
            break;
        case 24:
            convert_row24(source, target, width);
            break;
        case 32:
            convert_row32(source, target, width);
            break;
        default:
            std::fill(target, target + out.width, 0);
            break;
        }
    }
}

void render_screen(const DisplayMode& mode, const VgaRegisterFile& regs, const BochsVbe& vbe, std::span<const uint8_t> vram, Framebuffer& out)
{
    out.resize(mode.width, mode.height);
    if (mode.blank || mode.width == 0 || mode.height == 0)
        return;
    switch (mode.kind) {
    case ModeKind::Text:
        render_text(regs, vram, out);
        break;
    case ModeKind::Planar16:
        render_planar(regs, vga_scan_geometry(regs, mode.kind), vram, out);
        break;
    case ModeKind::Cga4:
        render_cga4(regs, vga_scan_geometry(regs, mode.kind), vram, out);
        break;
    case ModeKind::Chain256:
        render_chain256(regs, vga_scan_geometry(regs, mode.kind), vram, out);
        break;
    case ModeKind::Vbe:
        if (vbe.bpp() == 4)
            render_planar(regs, vbe_planar_geometry(vbe), vram, out);
        else
            render_vbe_rows(regs, vbe, vram, out, 0, mode.height);
        break;
    }
}

std::optional<std::vector<std::string>> text_rows(const VgaRegisterFile& regs, const BochsVbe& vbe, std::span<const uint8_t> vram)
{
    if (vbe.enabled() || regs.graphics_mode())
        return {};
    TextGeometry geometry = text_geometry(regs);
    uint32_t line_cells = uint32_t(regs.crtc(Crtc::Offset)) * 2;
    uint32_t compare = line_compare(regs);
    uint32_t row_address = start_address(regs);
    uint32_t scan_line = 0;
    std::vector<std::string> rows;
    rows.reserve(geometry.rows);
    for (uint32_t row = 0; row < geometry.rows; ++row) {
        std::string text(geometry.columns, ' ');
        for (uint32_t column = 0; column < geometry.columns; ++column)
            text[column] = char(vram[((row_address + column) & (plane_size - 1)) * planes]);
        rows.push_back(std::move(text));
        uint32_t next_scan_line = scan_line + geometry.cell_height;
        row_address += line_cells;
        if (scan_line < compare && next_scan_line >= compare)
            row_address = 0;
        scan_line = next_scan_line;
    }
    return rows;
}

} // namespace spicebox::vga
