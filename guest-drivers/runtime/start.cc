// Ring 3's first code: entry.S irets here with the values it recorded at the VMM's entry point in
// the argument registers (the zero page's or hvm_start_info's address first).
#include "runtime/runtime.h"

extern "C" {
extern uint8_t __image_start[];
extern uint8_t __image_end[];
extern uint8_t __bss_start[];
extern uint8_t __bss_end[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();
extern uint32_t runtime_boot_protocol;

[[noreturn]] void runtime_user_start(uint64_t handoff, uint64_t entry_address, uint64_t code_selector,
    uint64_t cr0, uint64_t cr4, uint64_t efer);
}

namespace spicebox::guest {

namespace {

uintptr_t address_of(const void* symbol) { return reinterpret_cast<uintptr_t>(symbol); }

}

}

void runtime_user_start(uint64_t handoff, uint64_t entry_address, uint64_t code_selector, uint64_t cr0,
    uint64_t cr4, uint64_t efer)
{
    using namespace spicebox::guest;
    // A bzImage loader copies only the file, so .bss is cleared here (natively, in ring 3) rather
    // than trusted to be zero. The stacks live outside it.
    memset(__bss_start, 0, address_of(__bss_end) - address_of(__bss_start));
    size_t constructor_count = (address_of(__init_array_end) - address_of(__init_array_start)) / sizeof(void (*)());
    for (size_t i = 0; i < constructor_count; ++i)
        __init_array_start[i]();

    BootInfo boot {
        BootProtocol(runtime_boot_protocol),
        BootParams(handoff),
        HvmStartInfo(handoff),
        EntryState { entry_address, uint16_t(code_selector), cr0, cr4, efer },
        ImageExtent { address_of(__image_start), address_of(__image_end) },
    };
    int status = guest_main(boot);
    // `linger` keeps the guest, and what it left on the screen, alive after its main returns, for
    // viewers that look from outside (SPICE clients); the VMM's --timeout or a signal ends the run.
    if (find_parameter(boot.command_line(), "linger").found) {
        uint64_t seen = 0;
        for (;;)
            seen = halt_until_interrupt(seen);
    }
    exit(status);
}
