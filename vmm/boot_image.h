// A guest kernel as it will lie in guest memory, planned before that memory exists: the loaders
// check a bzImage or an ELF64 file against the RAM size alone, so a bad image is reported before
// KVM is opened; write_boot_image then copies the plan into the machine's memory.
#pragma once

#include "base/result.h"
#include "vmm/boot_params_layout.h"
#include "vmm/guest_memory.h"

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace spicebox {

struct AddressRange {
    uint64_t address { 0 };
    uint64_t size { 0 };

    uint64_t end() const { return address + size; }
};

// How every guest is entered (the Linux 64-bit boot protocol, which the ELF loader follows too).
struct LinuxBootInfo {
    uint64_t entry;           // RIP for the 64-bit entry
    uint64_t boot_params;     // RSI: the zero page
    AddressRange kernel;      // memory the kernel uses before it reads the e820 map
    AddressRange initrd;      // size 0 without an initrd
    uint64_t cmdline_address;
};

// `bytes` at `address`, followed by `zero_fill` zero bytes (an ELF segment's bss).
struct BootPiece {
    uint64_t address;
    std::span<const uint8_t> bytes;
    uint64_t zero_fill { 0 };
};

// Everything a loader writes. The pieces point into the caller's image and initrd buffers, which
// must outlive the plan.
struct BootImage {
    std::vector<BootPiece> pieces;      // the kernel's and the initrd's; they do not overlap
    boot_params::ZeroPage zero_page {}; // goes to info.boot_params
    std::string cmdline;                // goes to info.cmdline_address, NUL included
    LinuxBootInfo info;
};

// Plans a bzImage or an ELF64 file, told apart by detect_kernel_format. Every error names the image
// as `image_name` ("NAME: reason", or "NAME is neither a bzImage nor an ELF64 file").
Result<BootImage> plan_guest(const std::string& image_name, std::span<const uint8_t> image,
    std::span<const uint8_t> initrd, std::string_view cmdline, uint64_t ram_size);

// Fails only if the memory lacks a range the plan was made for (RAM of a different size).
Result<void> write_boot_image(GuestMemory&, const BootImage&);

} // namespace spicebox
