// The programs no one here wrote that the interop tests run, and the check that they are installed
// (scripts/install-deps.sh --test installs every one of them).
#pragma once

#include <initializer_list>

namespace spicebox::test {

constexpr const char* kRemoteViewer = "/usr/bin/remote-viewer";
constexpr const char* kSpicyScreenshot = "/usr/bin/spicy-screenshot";
constexpr const char* kXvfb = "/usr/bin/Xvfb";
constexpr const char* kXwd = "/usr/bin/xwd";
constexpr const char* kXdotool = "/usr/bin/xdotool";
constexpr const char* kQemu = "/usr/bin/qemu-system-x86_64";

// Fails the calling test with the Debian package to install when one of `tools` is missing: a test
// that cannot run its peer has not passed.
void require_tools(std::initializer_list<const char*> tools);

}
