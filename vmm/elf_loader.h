// Loads a static ELF64 x86-64 executable (our own guests, or a Linux vmlinux) by physical address,
// and gives it the same zero page a bzImage gets: command line, initrd and e820 map.
#pragma once

#include "base/result.h"
#include "vmm/boot_image.h"
#include "vmm/guest_memory.h"
#include "vmm/linux_loader.h"

#include <cstdint>
#include <span>
#include <string_view>

namespace spicebox {

// ELF guests enter the same way as a bzImage: RIP = entry, RSI = the zero page. `kernel` spans
// the lowest to the highest loaded byte.
using ElfBootInfo = LinuxBootInfo;

// Every PT_LOAD segment goes to its p_paddr (inside RAM, at or above 1 MiB) with its bss zeroed;
// the entry point must lie in an executable segment below 4 GiB (the boot page tables' reach).
// Checks all of that, the initrd and the command line against the RAM size and plans the writes.
Result<BootImage> plan_elf(
    std::span<const uint8_t> elf, std::span<const uint8_t> initrd, std::string_view cmdline, uint64_t ram_size);

// plan_elf, then write_boot_image.
Result<ElfBootInfo> load_elf(GuestMemory&, std::span<const uint8_t> elf, std::span<const uint8_t> initrd,
    std::string_view cmdline, uint64_t ram_size);

} // namespace spicebox
