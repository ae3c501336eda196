// Reads binary PPM (P6, maxval 255) files, as spicy-screenshot writes them, for tests that compare a
// SPICE client's picture with spicebox's own screenshot. The input is treated as hostile: sizes are
// checked before anything is allocated or read.
#pragma once

#include "base/result.h"
#include "spice-common/framebuffer.h"

#include <cstdint>
#include <span>
#include <string>

namespace spicebox::test {

Result<Framebuffer> decode_ppm(std::span<const uint8_t> file);
Result<Framebuffer> read_ppm(const std::string& path);

} // namespace spicebox::test
