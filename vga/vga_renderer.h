// Turns the VGA/VBE registers and video memory into the displayed picture: one function per kind of mode,
// each a tight loop over rows (no per-pixel dispatch). The picture is the resolution the CRTC or the VBE
// scans out, e.g. 720x400 for 80x25 text with 9x16 cells.
//
// Text: columns = CR1 + 1, cell height = (CR9 & 0x1F) + 1, rows = (vertical display end + 1) / cell height;
//   cells 8 dots wide when SR1 bit 0 is set, else 9, doubled when SR1 bit 3 halves the dot clock. Character k
//   of a row is at VGA offset (row start + k) & 0xFFFF: character code in plane 0, attribute in plane 1; rows
//   are CR13 * 2 cells apart from start address CR0C:CR0D, and the line compare register restarts at 0.
//   Glyphs come from plane 2 (32 bytes per character) in the font block SR3 selects for attribute bit 3.
//   The 9th dot column repeats the 8th for characters 0xC0-0xDF when AR10 bit 2 asks (as on IBM's VGA;
//   QEMU uses 0xB0-0xDF), and is background otherwise. Foreground = attribute bits 0-3; background = bits
//   4-7, or bits 4-6 when AR10 bit 3 enables blinking: blinking characters are drawn in their visible phase,
//   so screenshots are deterministic. The cursor (CR0A/CR0B lines at CR0E:CR0F, hidden by CR0A bit 5) is
//   always drawn, in the cell's foreground colour. Not emulated: underline, double scan, pel panning.
// Colours go through the attribute palette (AR0-AR15, with AR10 bit 7 / AR14 supplying the high bits), the
//   PEL mask, and the DAC.
// Planar 16-colour graphics (GR5 shift mode 0): (CR1 + 1) * 8 pixels per line, doubled by SR1 bit 3; one
//   bit per plane per pixel, masked by AR12. CGA 4-colour (shift mode 1): 2-bit pixels from planes 0/1 (and
//   2/3 for the high bits). 256-colour (shift mode 2, the VGA's mode 13h): one VRAM byte per pixel pair
//   (each pixel drawn twice), straight to the DAC. These three honour the scan-line repeat of CR9 (bits 0-4
//   and double scan), the CGA/Hercules row address substitution of CR17 bits 0-1 and the line compare.
// Bochs VBE: xres x yres from the sanitised start offset and line length; 8 bpp through the DAC, 15/16 bpp
//   RGB555/565, 24 bpp B,G,R bytes, 32 bpp B,G,R,x; 4 bpp is planar with the VBE's geometry.
// Blanked (AR index bit 5, PAS, clear): black at the mode's size.
#pragma once

#include "spice-common/framebuffer.h"
#include "vga/bochs_vbe.h"
#include "vga/vga_register_file.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace spicebox::vga {

// VRAM the text and VGA graphics modes address: four 64 KiB planes.
inline constexpr uint32_t vga_memory_size = 256 * 1024;

enum class ModeKind {
    Text,
    Planar16,
    Cga4,
    Chain256,
    Vbe,
};

struct DisplayMode {
    ModeKind kind { ModeKind::Text };
    uint32_t width { 0 };
    uint32_t height { 0 };
    bool blank { false };
    bool operator==(const DisplayMode&) const = default;
};

DisplayMode display_mode(const VgaRegisterFile&, const BochsVbe&);

// Renders the whole screen of `mode` into `out`, resized to the mode's size. `vram` is at least
// vga_memory_size bytes.
void render_screen(const DisplayMode& mode, const VgaRegisterFile&, const BochsVbe&, std::span<const uint8_t> vram, Framebuffer& out);

// Converts rows [first, end) of a VBE packed-pixel mode (8 bpp or more) into `out`, which has the mode's size.
void render_vbe_rows(const VgaRegisterFile&, const BochsVbe&, std::span<const uint8_t> vram, Framebuffer& out, uint32_t first, uint32_t end);

// The characters of a text mode screen, one string per row (CP437 bytes as chars); nullopt in graphics modes.
std::optional<std::vector<std::string>> text_rows(const VgaRegisterFile&, const BochsVbe&, std::span<const uint8_t> vram);

} // namespace spicebox::vga
