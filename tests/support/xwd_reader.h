// Reads the X Window Dump files `xwd -root` writes, for interop tests that check what a SPICE client shows
// on a virtual X display. Only the form a TrueColor or DirectColor screen of depth 24 dumps to is read
// (ZPixmap, 24 or 32 bits per pixel, 8-bit channel masks; a DirectColor colormap is taken to be the identity, as
// Xvfb's is); the input is treated as hostile: every size
// is checked before anything is allocated or read.
#pragma once

#include "base/result.h"
#include "spice-common/framebuffer.h"

#include <cstdint>
#include <span>
#include <string>

namespace spicebox::test {

Result<Framebuffer> decode_xwd(std::span<const uint8_t> file);
Result<Framebuffer> read_xwd(const std::string& path);

} // namespace spicebox::test
