// Reads back the PNG files spicebox writes (8-bit RGB, not interlaced, any of the five scanline
// filters), for tests that compare screenshots. Only tests read PNGs, so the parser lives here and
// not in the product. It treats its input as hostile: every length, size and CRC is checked.
#pragma once

#include "base/result.h"
#include "spice-common/framebuffer.h"

#include <cstdint>
#include <span>
#include <string>

namespace spicebox::test {

// Images beyond this many pixels are refused rather than allocated.
constexpr uint64_t kMaxPngPixels = uint64_t(1) << 26;

Result<Framebuffer> decode_png(std::span<const uint8_t> file);
Result<Framebuffer> read_png(const std::string& path);

} // namespace spicebox::test
