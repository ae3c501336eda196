#include "tests/interop/tools.h"

#include <doctest/doctest.h>
#include <string>
#include <string_view>
#include <unistd.h>

namespace spicebox::test {

namespace {

const char* debian_package(std::string_view tool)
{
    if (tool == kRemoteViewer)
        return "virt-viewer";
    if (tool == kSpicyScreenshot)
        return "spice-client-gtk";
    if (tool == kXvfb)
        return "xvfb";
    if (tool == kXwd)
        return "x11-apps";
    if (tool == kXdotool)
        return "xdotool";
    return "qemu-system-x86";
}

}

void require_tools(std::initializer_list<const char*> tools)
{
    for (const char* tool : tools) {
        REQUIRE_MESSAGE(access(tool, X_OK) == 0,
            (std::string(tool) + " is not installed (Debian package " + debian_package(tool) + "; scripts/install-deps.sh --test)"));
    }
}

}
