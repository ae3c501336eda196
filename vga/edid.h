// The EDID 1.4 block the stdvga card shows in its MMIO BAR (bochs-drm and SeaVGABIOS read it): a digital
// display named "spicebox" whose preferred mode is 1024x768 at 60 Hz (VESA DMT timings), with the VESA
// established modes 640x480, 800x600, 1024x768 and standard timings up to 1920x1080, sRGB primaries.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace spicebox::vga {

inline constexpr size_t edid_block_size = 128;

std::array<uint8_t, edid_block_size> spicebox_edid();

} // namespace spicebox::vga
