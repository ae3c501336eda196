// Screenshots as PNG files: a Framebuffer's 0x00RRGGBB pixels become 8-bit RGB (the unused top byte is
// dropped), compressed with the system's zlib.
#pragma once

#include "base/result.h"
#include "spice-common/framebuffer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace spicebox {

// The whole PNG file. Fails on an empty framebuffer (PNG has no 0x0 image) or one whose pixel count
// does not match its size.
Result<std::vector<uint8_t>> encode_png(const Framebuffer&);

// encode_png() written to `path`, replacing any file there.
Result<void> write_png(const Framebuffer&, const std::string& path);

} // namespace spicebox
