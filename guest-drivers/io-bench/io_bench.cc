// The cost of one port-I/O exit, for bench/: a ring-3 loop of byte writes to the POST port (0x80,
// handled by both spicebox and QEMU), timed with the TSC, whose rate comes from the LAPIC timer.
//   io_bench.count=N  the number of writes (default 20000)
// Prints "io-bench: N port writes in T us: E ns per exit" and exits with status 0.
#include "qxl/apic.h"
#include "runtime/runtime.h"

namespace spicebox::guest {

namespace {

constexpr uint64_t default_count = 20000;
constexpr uint64_t max_count = 10000000;
constexpr uint8_t post_value = 0xB5;

}

int guest_main(const BootInfo& boot)
{
    uint64_t count = default_count;
    if (auto option = find_parameter(boot.command_line(), "io_bench.count"); option.found
        && (!parse_unsigned(option.value, 10, count) || count == 0 || count > max_count)) {
        printf("io-bench: io_bench.count must be 1..%lu\n", max_count);
        return int(ExitStatus::Failed);
    }
    uint64_t tsc_per_us = apic::tsc_per_microsecond();
    uint64_t start = rdtsc();
    for (uint64_t i = 0; i < count; ++i)
        outb(ports::post, post_value);
    uint64_t cycles = rdtsc() - start;
    uint64_t microseconds = cycles / tsc_per_us;
    printf("io-bench: %lu port writes in %lu us: %lu ns per exit\n", count, microseconds, cycles * 1000 / tsc_per_us / count);
    return int(ExitStatus::Passed);
}

}
