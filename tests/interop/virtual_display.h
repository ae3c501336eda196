// An X server of its own for a test (Xvfb on the first free display number, which it reports through
// -displayfd), and pictures of its whole screen (xwd -root), for checking what a SPICE viewer shows.
#pragma once

#include "base/result.h"
#include "spice-common/framebuffer.h"
#include "tests/interop/child_process.h"
#include "tests/interop/tools.h"

#include <chrono>
#include <memory>
#include <string>

namespace spicebox::test {

class VirtualDisplay {
public:
    // Starts Xvfb with one depth-24 screen of this size and waits up to `deadline` until it accepts clients.
    static Result<std::unique_ptr<VirtualDisplay>> start(uint32_t width, uint32_t height, std::chrono::seconds deadline);

    // "DISPLAY=:N", for the environment of a program that is to show its windows here.
    const std::string& display_variable() const { return m_display_variable; }
    // The screen as it is now.
    Result<Framebuffer> capture() const;

private:
    VirtualDisplay(std::unique_ptr<ChildProcess>, std::string display);

    std::unique_ptr<ChildProcess> m_server;
    std::string m_display_variable;
};

}
