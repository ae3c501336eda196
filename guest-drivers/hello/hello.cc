// The default guest: greets on the serial console from ring 3 and passes.
#include "runtime/runtime.h"

namespace spicebox::guest {

int guest_main(const BootInfo&)
{
    print("Hello from the spicebox hello guest!\n");
    unsigned ring = current_privilege_level();
    printf("hello: running in ring %u\n", ring);
    return ring == 3 ? int(ExitStatus::Passed) : int(ExitStatus::Failed);
}

}
