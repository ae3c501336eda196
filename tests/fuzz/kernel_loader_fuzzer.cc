// The kernel loaders on hostile files, as main dispatches them: a bzImage (setup header, boot protocol,
// zero page, command line, initrd placement) or an ELF64 executable (program headers, segments, bss).
// Input: u8 RAM size selector, u16 command line length and the command line, u32 initrd length (its
// bytes are zeros: only placement matters), then the image.
#include "base/log.h"
#include "tests/fuzz/fuzz_input.h"
#include "vmm/boot_image.h"

#include <sys/mman.h>

#include <array>
#include <string_view>
#include <vector>

using namespace spicebox;
using namespace spicebox::fuzz;

namespace {

constexpr std::array<uint64_t, 3> ram_sizes { 4 << 20, 32 << 20, 128 << 20 };
constexpr uint32_t max_initrd_bytes = 8 << 20;

// Guest RAM for every run, mapped lazily (a run touches only what it loads).
std::span<uint8_t> guest_ram()
{
    static std::span<uint8_t> ram = [] {
        void* mapping = mmap(nullptr, ram_sizes.back(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (mapping == MAP_FAILED)
            __builtin_trap();
        return std::span<uint8_t>(static_cast<uint8_t*>(mapping), ram_sizes.back());
    }();
    return ram;
}

}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    set_log_level(LogLevel::Error);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const std::vector<uint8_t> initrd_bytes(max_initrd_bytes);
    FuzzInput input(data, size);
    uint64_t ram_size = ram_sizes[input.u8() % ram_sizes.size()];
    auto cmdline_bytes = input.bytes(input.u16());
    std::string_view cmdline(reinterpret_cast<const char*>(cmdline_bytes.data()), cmdline_bytes.size());
    auto initrd = std::span(initrd_bytes).first(input.u32() % (max_initrd_bytes + 1));
    auto image = input.rest();

    GuestMemory memory;
    if (!memory.add_region(0, guest_ram().first(ram_size), "ram"))
        __builtin_trap();
    // A plan that passed its checks must fit the RAM it was made for.
    if (auto plan = plan_guest("fuzz input", image, initrd, cmdline, ram_size); plan && !write_boot_image(memory, *plan))
        __builtin_trap();
    return 0;
}
