// --display sdl: the machine runs on a thread of its own while the main thread (which SDL wants) shows
// the window, a SPICE client of the machine's own server over in-process socketpairs.
#pragma once

#include "vmm/machine.h"

#include <chrono>
#include <optional>

namespace spicebox {

class SdlWindow;
class SpiceService;

// Runs the machine with `window` on `service` until either ends: the run's end closes the window, and
// closing the window ends the run as a power-off does. A session that fails ends the run as a failure.
RunOutcome run_with_window(Machine&, SpiceService&, SdlWindow&, std::optional<std::chrono::nanoseconds> timeout);

} // namespace spicebox
