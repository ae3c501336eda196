// Measures how much slower a tight loop runs in ring 0 than in ring 3. On PVM hosts ring 0 is
// emulated (thousands of times slower), and then a stock Linux kernel cannot boot in useful time.
#include "runtime/runtime.h"

namespace spicebox::guest {

namespace {

constexpr uint64_t ring3_iterations = 100000;
// Short: at about 1 us per emulated iteration this is 20 ms.
constexpr uint64_t ring0_iterations = 20000;
constexpr int runs = 3;
// Ring 0 at most this many times slower than ring 3 counts as native.
constexpr uint64_t native_ratio_limit = 50;

uint64_t spin_in_ring3(uint64_t iterations)
{
    uint64_t start = rdtsc();
    asm volatile("1: dec %0; jnz 1b" : "+r"(iterations));
    return rdtsc() - start;
}

// The fastest of a few runs, in TSC cycles per iteration times 100.
template<typename Spin>
uint64_t best_cycles_x100(Spin spin, uint64_t iterations)
{
    uint64_t best = UINT64_MAX;
    for (int run = 0; run < runs; ++run) {
        uint64_t cycles = spin(iterations);
        if (cycles < best)
            best = cycles;
    }
    return best * 100 / iterations;
}

}

int guest_main(const BootInfo&)
{
    uint64_t ring3 = best_cycles_x100(spin_in_ring3, ring3_iterations);
    uint64_t ring0 = best_cycles_x100(spin_in_ring0, ring0_iterations);
    uint64_t ratio = ring0 / (ring3 != 0 ? ring3 : 1);
    printf("cpuprobe: ring3 %lu ring0 %lu ratio %lu\n", ring3, ring0, ratio);
    printf("cpuprobe: ring0=%s\n", ratio < native_ratio_limit ? "native" : "emulated");
    return int(ExitStatus::Passed);
}

}
