// QEMU as the reference machine: boot it with some arguments, wait for a line on its serial port, and take
// its screen with QMP's screendump.
#pragma once

#include "base/result.h"
#include "spice-common/framebuffer.h"

#include <chrono>
#include <string>
#include <vector>

namespace spicebox::test {

// qemu-system-x86_64 on $PATH, or empty.
std::string qemu_path();

// Starts QEMU with `arguments` (the accelerator, -display none, the serial file and the QMP socket are
// added), waits up to `deadline` for `ready` on its serial port, and returns its screendump. `name` names
// the temporary files.
Result<Framebuffer> qemu_screen_at(const std::string& name, const std::vector<std::string>& arguments, const std::string& ready,
    std::chrono::seconds deadline);

}
