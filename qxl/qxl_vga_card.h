// The QXL card as a PC sees it, composed as QEMU's qxl-vga: the QXL device plus the VGA core over the
// start of the device's BAR0, so the VGA planes and the Bochs VBE linear framebuffer (BAR0 offset 0) are
// the same memory as the QXL primary area. (QEMU's VGA also spans all of BAR0 but limits the VBE to the
// first vgamem bytes; vga/'s VgaCore takes a whole VideoMemory, so here the VBE sees all of BAR0 and
// reports BAR0's size in VIDEO_MEMORY_64K.) The VGA core's faces (the VGA ports at vga_port_base, the VBE
// ports at vbe_port_base, the window at vga_window_base) are mapped by the machine for as long as the card
// exists.
//
// The screen is the VGA core's while the device is in VGA mode (after reset: SeaBIOS, vgabios-qxl, a VBE
// guest) and the QXL primary surface once a driver created one. The device reports its mode changes here
// (QxlVgaCompanion); as revision 5, VGA port accesses never leave native mode, only RESET returns to VGA.
// Between a DESTROY_PRIMARY and the next CREATE_PRIMARY the last picture of the primary stays on screen.
//
// The primary's pixels come from the display side that renders the device's commands (the PrimaryReader),
// not from guest memory: only the renderer knows which commands have reached the surface. BAR0 is not
// dirty-logged (the rings and commands live there too), so the VGA core finds VBE changes by comparing frames.
#pragma once

#include "base/result.h"
#include "qxl/qxl_device.h"
#include "spice-common/framebuffer.h"
#include "vga/vga_core.h"

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace spicebox {

class QxlVgaCard final : private QxlVgaCompanion {
public:
    // Reads the primary surface as rendered so far into the framebuffer (0x00RRGGBB); fails while there is
    // none. Called from whichever thread asks for the screen.
    using PrimaryReader = std::function<Result<void>(Framebuffer&)>;

    static Result<std::unique_ptr<QxlVgaCard>> create(std::shared_ptr<QxlDevice>, PrimaryReader);
    ~QxlVgaCard() override;
    QxlVgaCard(const QxlVgaCard&) = delete;
    QxlVgaCard& operator=(const QxlVgaCard&) = delete;

    VgaCore& core() { return *m_core; }

    std::shared_ptr<IoDevice> vga_ports() { return m_core->vga_ports(); }   // at vga_port_base, vga_port_count
    std::shared_ptr<IoDevice> vbe_ports() { return m_core->vbe_ports(); }   // at vbe_port_base, vbe_port_count
    std::shared_ptr<IoDevice> vga_window() { return m_core->vga_window(); } // at vga_window_base, vga_window_size

    // The screen now, at its displayed resolution. Any thread.
    void render(Framebuffer& out);
    // Brings `out` (what the previous call left) up to date and returns the rectangles that changed; a
    // switch between the VGA picture and the primary changes all of it. Any thread.
    std::vector<Rect> update(Framebuffer& out);
    // The text rows while the VGA core shows a text mode; nullopt in graphics modes and native mode.
    std::optional<std::vector<std::string>> text_screen();

private:
    QxlVgaCard(std::shared_ptr<QxlDevice>, std::shared_ptr<VgaCore>, PrimaryReader);

    // |QxlVgaCompanion|: called with the device lock held, so it only records the mode.
    void qxl_mode_changed(QxlMode) override;

    bool shows_vga() const { return m_mode.load() == QxlMode::Vga; }
    // Reads the primary into m_primary; false (m_primary unchanged) while there is none.
    bool read_primary();

    // Which picture the framebuffer handed to `update` holds.
    enum class Shown { Nothing, Vga, Primary };

    std::shared_ptr<QxlDevice> m_device;
    std::shared_ptr<VgaCore> m_core;
    PrimaryReader m_read_primary;
    std::atomic<QxlMode> m_mode;

    std::mutex m_screen_mutex; // what follows
    Shown m_shown { Shown::Nothing };
    Framebuffer m_primary; // the last picture read from the primary
    Framebuffer m_scratch;
};

} // namespace spicebox
