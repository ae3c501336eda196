// Everything a guest program uses, and the function it defines: the runtime enters guest_main() in
// ring 3 (IOPL 3, interrupts on) and exits with its return value through the debug-exit port.
#pragma once

#include "runtime/boot_info.h"
#include "runtime/command_line.h"
#include "runtime/io.h"
#include "runtime/irq.h"
#include "runtime/mem.h"
#include "runtime/print.h"
#include "runtime/string_view.h"
#include "runtime/syscall.h"

namespace spicebox::guest {

int guest_main(const BootInfo& boot);

}
