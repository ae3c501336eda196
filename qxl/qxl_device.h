// The QXL paravirtual display card (PCI 1b36:0100, revision 5, class VGA), behaving as QEMU's
// qxl-vga (hw/display/qxl.c) towards the Linux qxl driver and xf86-video-qxl:
// - BAR0 "RAM": the VGA/primary area, command pages and the RAM header (interrupt registers and
//   rings); BAR1 "VRAM": surface memory; BAR2: the ROM; BAR3: 25 byte-wide command ports. The
//   memory BARs are host memory mapped into the guest, so rings and commands are written without
//   exits and read here with every value validated once.
// - Ports run synchronously on the vCPU thread that writes them; an async port's work is done
//   before the write returns and then raises IO_CMD, which the guest cannot tell apart from
//   QEMU's later completion (its wait starts from the count it read before the write).
// - The display worker calls `process_rings` after a NOTIFY port kick: commands are parsed into
//   the display model, handed to the DisplaySink, and returned to the guest on the release ring.
// - A guest bug (bad port argument, address, index or command) stops the device as QEMU's
//   `qxl_set_guest_bug`: one log line, QXL_INTERRUPT_ERROR, every port but RESET ignored and the
//   rings left alone until RESET.
//
// The VGA half of the card (the vga/ core over BAR0, SeaBIOS's VBE framebuffer) is attached by
// QxlVgaCard through QxlVgaCompanion; it owns the display while the mode is Vga. For firmware boot
// the card carries the VGA BIOS (vgabios-qxl.bin) as its expansion ROM.
#pragma once

#include "devices/pci_device.h"
#include "qxl/qxl_bar_memory.h"
#include "qxl/qxl_command_parser.h"
#include "qxl/qxl_layout.h"
#include "qxl/qxl_memory_slots.h"
#include "qxl/qxl_ram.h"
#include "spice-common/display_sink.h"
#include "vga/video_memory.h"

#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace spicebox {

// QEMU's QXLMode values (hw/display/qxl.h).
enum class QxlMode {
    Undefined = 0, // no primary surface: rings are processed, nothing new is shown
    Vga = 1,       // after reset: the VGA core owns BAR0 and the display; rings are not read
    Compat = 2,    // SET_MODE (revision-1 drivers)
    Native = 3,    // CREATE_PRIMARY: surface 0 is the display
};

class QxlVgaCompanion {
public:
    virtual ~QxlVgaCompanion() = default;
    // Called with the device lock held (the companion must not call back into the device).
    virtual void qxl_mode_changed(QxlMode) = 0;
};

class QxlDevice final : public PciDevice {
public:
    static constexpr uint8_t revision = 5;
    static constexpr int ram_bar = 0;
    static constexpr int vram_bar = 1;
    static constexpr int rom_bar = 2;
    static constexpr int io_bar = 3;
    static constexpr uint64_t io_bar_size = 32; // QXL_IO_RANGE_SIZE (25) rounded to a power of two
    // Commands handled per ring before `process_rings` returns to let others run.
    static constexpr uint32_t max_commands_per_pass = 1024;

    // `vga_bios` becomes the expansion ROM (padded to a power of two); empty for none (direct boot).
    static Result<std::shared_ptr<QxlDevice>> create(const QxlConfig&, DisplaySink&, std::span<const uint8_t> vga_bios = {});

    // `kick` runs (without the device lock) when the guest notifies a ring: wake the worker.
    void set_ring_kick(std::function<void()> kick);
    void set_vga_companion(QxlVgaCompanion*);

    // One byte written to BAR3 at `port`; the byte is the port's argument. Reads return 0xff.
    void port_write(uint64_t port, uint8_t value);
    // Machine reset: as the RESET port.
    void reset();

    // Drains the command and cursor rings into the sink. Returns true if it stopped with commands
    // left (call again), false once both rings are empty and the guest was asked to kick on its
    // next push. Does nothing in VGA mode or in the error state.
    bool process_rings();

    QxlMode mode() const;
    bool in_error_state() const;
    const QxlLayout& layout() const { return m_layout; }

    std::span<uint8_t> ram() const { return m_ram_memory->bytes(); }
    std::span<uint8_t> vram() const { return m_vram_memory.bytes(); }
    std::span<uint8_t> rom() const { return m_rom_memory.bytes(); }
    // The VGA planes / VBE framebuffer: the start of BAR0, `vgamem_size` bytes.
    std::span<uint8_t> vga_vram() const { return ram().first(m_layout.vgamem_size); }
    // BAR0 as the video memory the VGA core is built over (it shares the BAR's pages).
    std::shared_ptr<VideoMemory> ram_memory() const { return m_ram_memory; }

    // Public for make_shared; use create().
    QxlDevice(const QxlLayout&, DisplaySink&, std::shared_ptr<VideoMemory> ram, QxlBarMemory vram, QxlBarMemory rom);

private:
    bool handle_port(uint64_t port, uint8_t value);
    void guest_bug(const std::string& reason);
    void raise(uint32_t events);
    void update_irq();
    void set_mode(QxlMode);
    void hard_reset();

    void add_memslot(uint8_t id, uint64_t start, uint64_t end, uint64_t delta);
    void create_primary(const QXLSurfaceCreate&);
    void destroy_primary();
    void set_compat_mode(uint8_t mode_index);
    void update_area();
    void destroy_surface(uint32_t id, bool release_create);
    void destroy_all_surfaces();
    void monitors_config();
    void notify_oom();
    void flush_release();

    bool drain(QxlRing, uint32_t budget);
    void handle_command(const QXLCommand&);
    void handle_cursor_command(const QXLCommand&);
    void handle_surface_command(std::span<uint8_t> bytes);
    void release(std::span<uint8_t> command);
    std::vector<QxlMemorySlots::Bar> bars() const;

    QxlLayout m_layout;
    DisplaySink& m_sink;
    std::shared_ptr<VideoMemory> m_ram_memory;
    QxlBarMemory m_vram_memory;
    QxlBarMemory m_rom_memory;
    QxlBarMemory m_expansion_rom;

    mutable std::mutex m_mutex;
    QxlRam m_ram;
    QxlMemorySlots m_slots;
    std::vector<QxlSurfaceExtent> m_surfaces; // fixed size: the parser keeps a view of it
    QxlCommandParser m_parser;
    std::vector<uint8_t*> m_held_creates; // per surface: the create command's release_info, released at destroy
    QxlMode m_mode { QxlMode::Vga };
    bool m_guest_bug { false };
    bool m_oom_running { false };
    std::function<void()> m_kick;
    QxlVgaCompanion* m_vga { nullptr };
};

} // namespace spicebox
