// remote-viewer (Debian's virt-viewer) on a VirtualDisplay, connected to spicebox through a .vv
// connection file, so the password is not on its command line; and waiting until the X screen shows
// the guest's picture.
#pragma once

#include "base/result.h"
#include "spice-common/framebuffer.h"
#include "tests/interop/child_process.h"
#include "tests/interop/tools.h"
#include "tests/interop/virtual_display.h"
#include "tests/support/picture_match.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace spicebox::test {

class RemoteViewer {
public:
    // Connects to 127.0.0.1:`port`; without a password the server must have ticketing disabled.
    RemoteViewer(const VirtualDisplay&, const std::string& port, const std::optional<std::string>& password);
    ~RemoteViewer();

    ChildProcess& process() { return *m_process; }

private:
    std::string m_connection_file;
    std::unique_ptr<ChildProcess> m_process;
};

struct PictureFound {
    PicturePosition position;
    std::chrono::milliseconds elapsed;
};

// Captures `display` until `expected` appears in it, pixel for pixel; an Error after `deadline` says what
// the last capture held.
Result<PictureFound> wait_for_picture(const VirtualDisplay&, const Framebuffer& expected, std::chrono::seconds deadline);

// Captures `display` until two captures `interval` apart differ: something on the screen is moving.
Result<std::chrono::milliseconds> wait_for_motion(const VirtualDisplay&, std::chrono::milliseconds interval, std::chrono::seconds deadline);

}
