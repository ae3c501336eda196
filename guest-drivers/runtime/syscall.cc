#include "runtime/syscall.h"

namespace spicebox::guest {

namespace {

uint64_t system_call(Syscall number, uint64_t argument)
{
    uint64_t result = uint64_t(number);
    asm volatile("int3" : "+a"(result) : "D"(argument) : "memory");
    return result;
}

}

void exit(int status)
{
    system_call(Syscall::Exit, uint8_t(status));
    // Ring 0 never returns from Exit (it halts if the VMM ignores the port).
    for (;;) { }
}

uint64_t halt_until_interrupt(uint64_t seen_total) { return system_call(Syscall::HaltUntilInterrupt, seen_total); }

uint64_t spin_in_ring0(uint64_t iterations) { return system_call(Syscall::SpinInRing0, iterations); }

}
