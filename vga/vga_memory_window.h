// The 128 KiB legacy window at 0xA0000 as the graphics controller and sequencer route it into video memory.
// VRAM holds the four planes interleaved, as QEMU does: byte p of VGA offset o is vram[4 * o + p], so a
// 32-bit load at 4 * o is the four latches at once.
//   GR6 bits 2-3 select the part of the window that decodes (A0000 128K, A0000 64K, B0000 32K, B8000 32K);
//   the 64K map adds the Bochs VBE bank offset. Elsewhere reads return 0xFF and writes vanish.
//   Chain-4 (SR4 bit 3): the window offset is the VRAM byte (plane = offset & 3), written if SR2 enables it.
//   Odd/even (GR5 bit 4): plane = (GR4 & 2) | (offset & 1) at VGA offset offset / 2 (text mode: characters
//   land in plane 0, attributes in plane 1).
//   Otherwise planar: a read loads the latches and returns plane GR4 (read mode 0) or the colour-compare
//   result against GR2/GR7 (read mode 1); writes use write modes 0-3 with rotate, set/reset, the ALU
//   function, the bit mask (GR8) and the plane mask (SR2).
// While the Bochs VBE is on at 8 bpp or more, chain-4 and all planes are forced for the window, as in QEMU.
// Every access is checked against the VRAM size.
//
// Not thread-safe: VgaCore serialises access.
#pragma once

#include "vga/bochs_vbe.h"
#include "vga/vga_register_file.h"

#include <cstdint>
#include <optional>
#include <span>

namespace spicebox::vga {

inline constexpr uint32_t window_size = 0x20000;

class VgaMemoryWindow {
public:
    explicit VgaMemoryWindow(std::span<uint8_t> vram) : m_vram(vram) { }

    // `offset` is relative to 0xA0000.
    uint8_t read(const VgaRegisterFile&, const BochsVbe&, uint32_t offset);

    // The VRAM bytes a write changed, for dirty tracking.
    struct Touched {
        uint32_t offset;
        uint32_t length;
    };
    std::optional<Touched> write(const VgaRegisterFile&, const BochsVbe&, uint32_t offset, uint8_t value);

private:
    std::optional<uint32_t> vga_offset(const VgaRegisterFile&, const BochsVbe&, uint32_t offset) const;

    std::span<uint8_t> m_vram;
    uint32_t m_latch { 0 };
};

} // namespace spicebox::vga
