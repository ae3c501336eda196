// The system calls ring 3 makes into the runtime's ring 0 with `int3`, through the breakpoint
// vector's interrupt gate (DPL 3): RAX holds the call number, RDI the argument, RAX the result;
// nothing else changes. Not `int 0x80`: on PVM hosts an `int n` from ring 3 becomes #UD, while
// #BP is reflected through the guest's IDT (entry.S).
#pragma once

#include <stdint.h>

namespace spicebox::guest {

constexpr uint8_t syscall_vector = 3;

enum class Syscall : uint64_t {
    Exit = 0,
    // STI; HLT in ring 0, unless the interrupt count already differs from the argument (an
    // interrupt came since ring 3 read it); returns the count.
    HaltUntilInterrupt = 1,
    // Counts the argument down in a `dec; jnz` loop in ring 0; returns the TSC cycles it took.
    SpinInRing0 = 2,
};

// Exit statuses the guests report through the debug-exit port; spicebox itself uses 1..3.
enum class ExitStatus : uint8_t {
    Passed = 0,
    Failed = 0x10,
    CpuException = 0x11,
    UnknownSyscall = 0x12,
};

[[noreturn]] void exit(int status);
// Waits for an interrupt after the one that made irq_total() equal `seen_total`, without a
// window for losing it: read irq_total(), check the device, then call this with the value read.
// Returns the new total.
uint64_t halt_until_interrupt(uint64_t seen_total);
uint64_t spin_in_ring0(uint64_t iterations);

}
