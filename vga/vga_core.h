// The VGA core every display card here shares (StdVga now, QXL's VGA mode later): the VGA register file, the
// planar memory window, the Bochs VBE and the renderers, over the card's video memory.
//
// Guest accesses arrive on vCPU threads through three IoDevice faces:
//   vga_ports()  at vga_port_base (0x3B0), 0x30 ports: byte registers; a wider access is split into bytes,
//                lowest address first (a 16-bit OUT to an index port is the index, then the data);
//   vbe_ports()  at vbe_port_base (0x1CE), 4 ports: 0x1CE index, 0x1CF and 0x1D0 data; a 1- or 2-byte access
//                is one 16-bit register access (a 16-bit OUT to 0x1CF is one write, not two), a 4-byte one
//                is two, at its offset and offset + 2 (the fourth port only exists so that a 16-bit access
//                at 0x1D0 reaches the device);
//   vga_window() at window_base (0xA0000), 128 KiB on the MMIO bus, byte by byte (see VgaMemoryWindow).
//
// The screen (any thread, e.g. the screenshot path while the guest runs): the core keeps the last rendered
// picture. `update` brings it up to date and returns the rectangles that changed since the previous `update`;
// `render` brings it up to date and copies all of it. Text and VGA graphics modes are re-rendered in full
// and compared row by row (they are small); the VBE packed-pixel modes convert only the rows whose VRAM
// pages changed: pages written through the window are tracked here, pages the guest wrote directly (the
// linear framebuffer is a KVM memory slot) come from the card's dirty log. Guest writes racing a render
// show up in the next one.
#pragma once

#include "base/result.h"
#include "devices/io_device.h"
#include "spice-common/framebuffer.h"
#include "vga/bochs_vbe.h"
#include "vga/vga_memory_window.h"
#include "vga/vga_register_file.h"
#include "vga/vga_renderer.h"
#include "vga/video_memory.h"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace spicebox {

inline constexpr uint16_t vga_port_base = 0x3B0;
inline constexpr uint16_t vga_port_count = 0x30;
inline constexpr uint16_t vbe_port_base = 0x1CE;
inline constexpr uint16_t vbe_port_count = 4;
inline constexpr uint64_t vga_window_base = 0xA0000;
inline constexpr uint64_t vga_window_size = vga::window_size;
inline constexpr size_t vram_page_size = 4096;

class VgaCore : public std::enable_shared_from_this<VgaCore> {
public:
    // The core uses the first `vram_size` bytes of `memory` (all of it when 0): a power of two of at least
    // 256 KiB (the VGA's four planes). QXL's VGA sees only the vgamem part of its BAR0.
    static Result<std::shared_ptr<VgaCore>> create(std::shared_ptr<VideoMemory> memory, size_t vram_size = 0);

    // Reports the VRAM pages (bit n of the bitmap = bytes [4096 n, 4096 (n + 1))) the guest changed without
    // going through this core since the last call, and clears them; false if it cannot tell (every page
    // then counts as changed). The bitmap arrives zeroed with one bit per page.
    using DirtyLog = std::function<bool(std::span<uint64_t> bitmap)>;
    void set_dirty_log(DirtyLog);

    std::shared_ptr<IoDevice> vga_ports();
    std::shared_ptr<IoDevice> vbe_ports();
    std::shared_ptr<IoDevice> vga_window();

    // The same registers for other decoders (a card's MMIO BAR). `port` is an absolute VGA port number.
    uint8_t read_port(uint16_t port);
    void write_port(uint16_t port, uint8_t value);
    // Selects DISPI register `index` and accesses it, as one step.
    uint16_t read_vbe_register(uint16_t index);
    void write_vbe_register(uint16_t index, uint16_t value);

    void render(Framebuffer& out);
    // `out` must be what the previous `update` left (or anything else: a size mismatch gets a full copy).
    std::vector<Rect> update(Framebuffer& out);
    std::optional<std::vector<std::string>> text_screen();

    std::span<uint8_t> vram() const { return m_vram; }

    // What the faces call: the window at `offset` from 0xA0000, and the DISPI index and data registers.
    uint8_t read_window(uint32_t offset);
    void write_window(uint32_t offset, uint8_t value);
    uint16_t read_vbe_index();
    void write_vbe_index(uint16_t index);
    uint16_t read_vbe_data();
    void write_vbe_data(uint16_t value);

private:
    VgaCore(std::shared_ptr<VideoMemory> memory, size_t vram_size);

    // A copy of the registers taken under the lock, so rendering runs without holding it.
    struct Snapshot {
        vga::VgaRegisterFile regs;
        vga::BochsVbe vbe;
    };
    // What a VBE frame depends on besides VRAM; any change redraws all of it.
    struct VbeKey {
        uint32_t width { 0 };
        uint32_t height { 0 };
        uint32_t bpp { 0 };
        uint32_t line_length { 0 };
        uint32_t start { 0 };
        std::vector<uint32_t> palette;
        bool operator==(const VbeKey&) const = default;
    };

    void write_vbe_data_locked(uint16_t value);
    void apply_vbe_to_vga();
    void mark_dirty(uint32_t offset, uint32_t length);
    std::vector<Rect> refresh();
    std::vector<Rect> refresh_vbe(const Snapshot&, const vga::DisplayMode&, std::vector<uint64_t>& dirty);
    std::vector<Rect> refresh_by_comparison(const Snapshot&, const vga::DisplayMode&);

    std::shared_ptr<VideoMemory> m_memory;
    std::span<uint8_t> m_vram;

    std::mutex m_mutex; // registers, window latches, the window's dirty pages
    vga::VgaRegisterFile m_regs;
    vga::BochsVbe m_vbe;
    vga::VgaMemoryWindow m_window;
    std::vector<uint64_t> m_window_dirty;

    std::mutex m_render_mutex; // the picture and what depends on it
    DirtyLog m_dirty_log;
    Framebuffer m_screen;
    Framebuffer m_scratch;
    std::optional<vga::DisplayMode> m_screen_mode;
    VbeKey m_vbe_key;
    std::vector<Rect> m_pending; // changes `render` saw that `update` has not reported yet
};

} // namespace spicebox
