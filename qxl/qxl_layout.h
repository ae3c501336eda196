// How the card's memory is sized and carved up, from the configuration, as QEMU sizes its qxl-vga
// (hw/display/qxl.c `qxl_init_ramsize`, `init_qxl_rom`): BAR0 holds the VGA/primary area
// ("surface 0 area", `vgamem` bytes) at offset 0, then the pages drivers allocate commands and
// resources from, then the RAM header in the last page-aligned block; BAR1 is surface memory.
#pragma once

#include "base/result.h"

#include <cstdint>

namespace spicebox {

struct QxlConfig {
    static constexpr uint64_t MiB = 1024 * 1024;

    uint64_t ram_size { 64 * MiB };    // BAR0, VGA area and RAM header included
    uint64_t vram_size { 64 * MiB };   // BAR1
    uint64_t vgamem_size { 16 * MiB }; // the VGA/primary area at the start of BAR0
    uint32_t surfaces { 1024 };        // surface ids the guest may use
    uint32_t id { 0 };                 // the ROM's `id`: this card's display index
};

struct QxlLayout {
    uint64_t ram_size { 0 };
    uint64_t vram_size { 0 };
    uint64_t vgamem_size { 0 };
    uint32_t surfaces { 0 };
    uint32_t id { 0 };
    uint64_t ram_header_offset { 0 }; // inside BAR0
    uint64_t ram_header_size { 0 };   // sizeof(QXLRam) rounded up to a page
    uint64_t num_pages { 0 };         // 4 KiB pages between the VGA area and the RAM header

    // Rounds and clamps as QEMU does: vgamem to a power of two in [8, 256] MiB, BAR0 to at
    // least twice vgamem, BAR1 to at least a page, every size up to a power of two. Fails on
    // sizes a 32-bit BAR cannot hold and on a surface count of 0.
    static Result<QxlLayout> from_config(const QxlConfig&);
};

} // namespace spicebox
