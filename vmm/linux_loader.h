// Loads a Linux bzImage for the 64-bit boot protocol (Documentation/arch/x86/boot.rst): the
// protected-mode kernel at 1 MiB, the initrd at the top of low RAM, the command line, and the zero
// page the kernel finds in RSI. The zero-page planner is shared with the ELF loader, so every guest
// finds its command line, initrd and memory map the same way.
#pragma once

#include "base/result.h"
#include "vmm/boot_image.h"
#include "vmm/boot_params_layout.h"
#include "vmm/guest_memory.h"

#include <cstdint>
#include <span>
#include <string_view>

namespace spicebox {

enum class KernelFormat {
    Unknown,
    BzImage,
    Elf64,
};

// Tells a bzImage (0xAA55 boot flag at 0x1FE) from an ELF file (\x7FELF) by magic only; the
// loader then validates the rest. Unknown is for the caller to report as "PATH is neither a
// bzImage nor an ELF64 file".
KernelFormat detect_kernel_format(std::span<const uint8_t> image);

// The setup-header fields a 64-bit loader uses, after validation.
struct SetupHeader {
    uint8_t setup_sects; // a 0 in the file already replaced by 4
    uint32_t header_end; // the header occupies file bytes [0x1F1, header_end)
    uint16_t version;
    uint8_t loadflags;
    uint32_t initrd_addr_max;
    uint32_t kernel_alignment;
    bool relocatable;
    uint16_t xloadflags;
    uint32_t cmdline_size;
    uint64_t pref_address;
    uint32_t init_size;

    // Size of the real-mode part; the protected-mode kernel follows it in the file.
    uint64_t setup_size() const { return (uint64_t(setup_sects) + 1) * boot_params::sector_size; }
};

// Checks that the file is a bzImage that can be entered in 64-bit mode; each failure is a one-line
// reason meant for the user.
Result<SetupHeader> parse_setup_header(std::span<const uint8_t> bzimage);

// Checks the bzImage, the initrd and the command line against the RAM size and plans where each
// goes; each failure is a one-line reason meant for the user.
Result<BootImage> plan_linux(std::span<const uint8_t> bzimage, std::span<const uint8_t> initrd,
    std::string_view cmdline, uint64_t ram_size);

// plan_linux, then write_boot_image.
Result<LinuxBootInfo> load_linux(GuestMemory&, std::span<const uint8_t> bzimage, std::span<const uint8_t> initrd,
    std::string_view cmdline, uint64_t ram_size);

// What a loader hands the guest besides its kernel.
struct BootPayload {
    std::span<const uint8_t> initrd;
    std::string_view cmdline;
    uint64_t ram_size;
    AddressRange kernel;       // the initrd must not overlap it
    uint64_t initrd_end_limit; // the initrd must end at or below this address
    uint64_t cmdline_limit;    // the longest command line the kernel accepts, NUL excluded
};

// Places the initrd (page-aligned, as high as the limits allow) and the command line, and records
// them and the e820 map in `page` (which holds the kernel's setup header, or zeros): a boot image
// to which the loader adds its kernel's pieces and entry point.
Result<BootImage> plan_boot_payload(boot_params::ZeroPage page, const BootPayload&);

} // namespace spicebox
