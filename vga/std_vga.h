// The Bochs/QEMU "stdvga" PCI display card (1234:1111, class 0x0300, revision 2, subsystem 1af4:1100), which
// Linux's bochs-drm and SeaVGABIOS's stdvga/bochs build drive: the VGA core plus
//   BAR0: 16 MiB of prefetchable video memory, a KVM memory slot whose writes are logged per page (the VBE
//         linear framebuffer at offset 0; the VGA planes are its first 256 KiB);
//   BAR2: 4 KiB of MMIO registers (QEMU's docs/specs/standard-vga.rst):
//         0x000-0x3FF the EDID block (then zeros), read-only;
//         0x400-0x41F the VGA ports 0x3C0-0x3DF (a word access is two byte accesses, low byte first);
//         0x500-0x515 the DISPI registers, register n at 0x500 + 2n (an access selects the register as the
//                     DISPI index too, as in QEMU; a byte write stores the byte zero-extended);
//         0x600 QEXT size (8), 0x604 framebuffer byte order: always little-endian (0x1e1e1e1e); writes
//                     asking for big-endian are ignored, so a driver reading it back sees what it gets;
//   expansion ROM: the VGA BIOS image given to the factory, if any, padded to a power of two.
// It has no interrupt. The legacy decoders (VGA ports, DISPI ports, the 0xA0000 window) are not BARs: the
// machine maps the faces it gets here, as for any PC VGA.
#pragma once

#include "base/result.h"
#include "devices/pci_device.h"
#include "vga/vga_core.h"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace spicebox {

class StdVga final : public PciDevice {
public:
    static constexpr uint64_t vram_size = 16 * 1024 * 1024;
    static constexpr uint64_t mmio_size = 4096;
    static constexpr int vram_bar = 0;
    static constexpr int mmio_bar = 2;

    // `vga_bios_rom` may be empty (direct boot: no expansion ROM).
    static Result<std::shared_ptr<StdVga>> create(std::span<const uint8_t> vga_bios_rom);

    std::shared_ptr<IoDevice> vga_ports() { return m_core->vga_ports(); }   // at vga_port_base, vga_port_count
    std::shared_ptr<IoDevice> vbe_ports() { return m_core->vbe_ports(); }   // at vbe_port_base, vbe_port_count
    std::shared_ptr<IoDevice> vga_window() { return m_core->vga_window(); } // at vga_window_base, vga_window_size

    void render(Framebuffer& out) { m_core->render(out); }
    std::vector<Rect> update(Framebuffer& out) { return m_core->update(out); }
    std::optional<std::vector<std::string>> text_screen() { return m_core->text_screen(); }

    VgaCore& core() { return *m_core; }

private:
    StdVga(std::shared_ptr<VideoMemory> vram, std::shared_ptr<VgaCore> core);

    std::shared_ptr<VideoMemory> m_vram;
    std::shared_ptr<VgaCore> m_core;
    std::shared_ptr<VideoMemory> m_rom; // a BAR must be page-aligned memory, so the ROM image lives in one too
};

} // namespace spicebox
