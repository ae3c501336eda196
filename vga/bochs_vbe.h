// The Bochs VBE "DISPI" interface (ids 0xB0C0-0xB0C5): an index register and 16-bit data registers that set
// a linear framebuffer mode. Every write that changes the geometry re-sanitises all of it, as QEMU does since
// CVE-2016-3712, so the mode the registers describe always lies inside video memory whatever the guest wrote:
//   bpp in {4, 8, 15, 16, 24, 32}, anything else becomes 8 (15 is RGB555 in 16-bit pixels);
//   xres a multiple of 8 in [8, max_xres]; virt_width a multiple of 8 in [xres, max_xres];
//   yres in [1, min(max_yres, video memory / line length)];
//   x_offset <= max_xres, and offsets that put the visible part past video memory drop back to 0 (first y,
//   then x); VIRT_HEIGHT (read-only) is video memory / line length.
// The maxima are 2560x1600 (QEMU allows 16000x12000): the issue asks for "up to 2560x1600", and
// 2560x1600x32bpp (16,384,000 bytes) is the largest common mode that fits the 16 MiB BAR, so every mode
// GETCAPS advertises can be set at every depth. Unlike QEMU, Y_OFFSET has no separate cap: the video-memory
// check bounds it, so a driver can pan across all of video memory (bochs-drm places buffers anywhere in it).
//
// Not thread-safe: VgaCore serialises access.
#pragma once

#include <cstdint>

namespace spicebox::vga {

enum class DispiIndex : uint16_t {
    Id = 0x0,
    XRes = 0x1,
    YRes = 0x2,
    Bpp = 0x3,
    Enable = 0x4,
    Bank = 0x5,
    VirtWidth = 0x6,
    VirtHeight = 0x7,
    XOffset = 0x8,
    YOffset = 0x9,
    VideoMemory64K = 0xA,
};
inline constexpr unsigned dispi_register_count = 10; // 0x0-0x9 are stored; 0xA is computed

namespace dispi {
inline constexpr uint16_t id0 = 0xB0C0;
inline constexpr uint16_t id5 = 0xB0C5;
inline constexpr uint16_t enabled = 0x01;
inline constexpr uint16_t get_caps = 0x02;
inline constexpr uint16_t dac_8bit = 0x20;
inline constexpr uint16_t lfb_enabled = 0x40;
inline constexpr uint16_t no_clear_mem = 0x80;
inline constexpr uint16_t max_xres = 2560;
inline constexpr uint16_t max_yres = 1600;
inline constexpr uint16_t max_bpp = 32;
inline constexpr uint32_t bank_size = 64 * 1024;
}

class BochsVbe {
public:
    // `video_memory` bytes are addressable through the mode (the whole VRAM: a power of two >= 64 KiB).
    explicit BochsVbe(uint32_t video_memory);

    uint16_t index() const { return m_index; }
    void set_index(uint16_t index) { m_index = index; }
    uint16_t read_data() const;

    // What a data write asks of the rest of the card.
    struct WriteEffect {
        bool enable_written { false }; // the ENABLE register was written: the 8-bit DAC flag follows it
        bool vga_registers { false };  // the mode is on and its geometry may have changed: reprogram the VGA registers
        uint32_t clear_bytes { 0 };    // the mode was just turned on without NOCLEARMEM: zero this much VRAM
    };
    WriteEffect write_data(uint16_t value);

    uint16_t reg(DispiIndex index) const { return m_regs[unsigned(index)]; }
    bool enabled() const { return m_regs[unsigned(DispiIndex::Enable)] & dispi::enabled; }
    bool dac_8bit() const { return m_regs[unsigned(DispiIndex::Enable)] & dispi::dac_8bit; }
    uint32_t video_memory() const { return m_video_memory; }

    // The sanitised mode (meaningful while enabled).
    uint32_t width() const { return reg(DispiIndex::XRes); }
    uint32_t height() const { return reg(DispiIndex::YRes); }
    uint32_t bpp() const { return reg(DispiIndex::Bpp); }         // 4, 8, 15, 16, 24 or 32
    uint32_t line_length() const { return m_line_length; }       // bytes per line of the virtual screen
    uint32_t start_offset() const { return m_start_offset; }     // byte offset of the visible top-left pixel
    uint32_t bank_offset() const { return m_bank_offset; }       // of the 64 KiB window at 0xA0000

private:
    void sanitize();

    uint32_t m_video_memory;
    uint16_t m_index { 0 };
    uint16_t m_regs[dispi_register_count] {};
    uint32_t m_line_length { 0 };
    uint32_t m_start_offset { 0 };
    uint32_t m_bank_offset { 0 };
};

// Bits per pixel as stored in memory (15-bit pixels take 16).
constexpr uint32_t vbe_storage_bits(uint32_t bpp) { return bpp == 15 ? 16 : bpp; }

} // namespace spicebox::vga
