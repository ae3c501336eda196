// The card's ROM (BAR2): a QXLRom describing the memory layout and the memory-slot scheme,
// followed by the mode list, filled exactly as QEMU's `init_qxl_rom` fills it.
#pragma once

#include "qxl/qxl_layout.h"

#include <spice/qxl_dev.h>

#include <cstdint>
#include <span>

namespace spicebox {

inline constexpr uint64_t qxl_rom_size = 8192;

// The memory-slot scheme the ROM announces (QEMU's NUM_MEMSLOTS and bit widths).
inline constexpr uint8_t qxl_memslot_count = 8;
inline constexpr uint8_t qxl_memslot_id_bits = 8;
inline constexpr uint8_t qxl_memslot_generation_bits = 8;
inline constexpr uint8_t qxl_first_guest_memslot = 1; // slot 0 is SET_MODE's compatibility slot

// QEMU's full mode table (148 modes), ids = index; the ROM lists the modes whose framebuffer
// fits in the VGA area, keeping those ids.
std::span<const QXLMode> qxl_mode_table();

// Fills `rom` (qxl_rom_size bytes) from scratch: the ROM as the guest sees it after a reset.
void write_qxl_rom(std::span<uint8_t> rom, const QxlLayout&);

} // namespace spicebox
