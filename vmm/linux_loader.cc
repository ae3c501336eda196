#include "vmm/linux_loader.h"

#include "vmm/e820.h"
#include "vmm/memory_layout.h"

#include <algorithm>
#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>

namespace spicebox {

namespace {

constexpr uint8_t elf_magic[] = { 0x7F, 'E', 'L', 'F' };

std::string hex(uint64_t value)
{
    char text[24];
    std::snprintf(text, sizeof text, "0x%" PRIx64, value);
    return text;
}

// Sizes in user messages are whole MiB, rounded up for what is needed and down for what is there,
// so "needs 80 MiB, has 64 MiB" always means the bigger number is the one to pass to -m.
std::string mib_rounded_up(uint64_t bytes)
{
    return std::to_string((bytes + layout::MiB - 1) / layout::MiB) + " MiB";
}

std::string mib_rounded_down(uint64_t bytes)
{
    return std::to_string(bytes / layout::MiB) + " MiB";
}

// As boot.rst writes them: 0x020C is "2.12", 0x0203 is "2.03".
std::string protocol_version(uint16_t version)
{
    char text[8];
    std::snprintf(text, sizeof text, "%u.%02u", unsigned(version >> 8), unsigned(version & 0xFF));
    return text;
}

uint64_t align_up(uint64_t value, uint64_t alignment)
{
    return (value + alignment - 1) & ~(alignment - 1);
}

uint64_t align_down(uint64_t value, uint64_t alignment)
{
    return value & ~(alignment - 1);
}

// The page the kernel's own header starts from: the file's first page, zero-padded.
boot_params::ZeroPage first_page(std::span<const uint8_t> file)
{
    boot_params::ZeroPage page {};
    std::memcpy(page.data(), file.data(), std::min(file.size(), page.size()));
    return page;
}

Result<AddressRange> place_initrd(const BootPayload& payload)
{
    uint64_t size = payload.initrd.size();
    uint64_t limit = payload.initrd_end_limit;
    auto does_not_fit = [&] {
        return Error { "initrd of " + mib_rounded_up(size) + " does not fit between the kernel and "
            + mib_rounded_down(limit) + "; use -m" };
    };
    if (size > limit)
        return does_not_fit();
    AddressRange initrd { align_down(limit - size, layout::page_size), size };
    bool overlaps_kernel = initrd.address < payload.kernel.end() && payload.kernel.address < initrd.end();
    if (initrd.address < layout::high_memory_start || overlaps_kernel)
        return does_not_fit();
    return initrd;
}

} // namespace

KernelFormat detect_kernel_format(std::span<const uint8_t> image)
{
    if (image.size() >= sizeof elf_magic && std::memcmp(image.data(), elf_magic, sizeof elf_magic) == 0)
        return KernelFormat::Elf64;
    if (image.size() >= boot_params::setup_header_fields_end
        && boot_params::get(first_page(image), boot_params::boot_flag) == boot_params::boot_flag_magic)
        return KernelFormat::BzImage;
    return KernelFormat::Unknown;
}

Result<SetupHeader> parse_setup_header(std::span<const uint8_t> bzimage)
{
    using namespace boot_params;
    if (bzimage.size() < setup_header_fields_end)
        return Error { "not a bzImage (only " + std::to_string(bzimage.size()) + " bytes)" };
    ZeroPage page = first_page(bzimage);
    if (get(page, boot_flag) != boot_flag_magic)
        return Error { "not a bzImage (no 0xAA55 boot flag)" };
    if (get(page, header) != header_magic)
        return Error { "not a bzImage (no HdrS signature)" };

    SetupHeader parsed {
        .setup_sects = get(page, setup_sects) == 0 ? setup_sects_default : get(page, setup_sects),
        .header_end = jump_end_offset + get(page, jump_displacement),
        .version = get(page, version),
        .loadflags = get(page, loadflags),
        .initrd_addr_max = get(page, initrd_addr_max),
        .kernel_alignment = get(page, kernel_alignment),
        .relocatable = get(page, relocatable_kernel) != 0,
        .xloadflags = get(page, xloadflags),
        .cmdline_size = get(page, cmdline_size),
        .pref_address = get(page, pref_address),
        .init_size = get(page, init_size),
    };
    if (parsed.version < minimum_64bit_version)
        return Error { "boot protocol " + protocol_version(parsed.version) + " is too old (need "
            + protocol_version(minimum_64bit_version) + " for the 64-bit entry)" };
    if (parsed.header_end < setup_header_fields_end)
        return Error { "setup header ends at " + hex(parsed.header_end) + ", before the fields of protocol "
            + protocol_version(parsed.version) };
    if (!(parsed.loadflags & loaded_high))
        return Error { "kernel is a zImage (LOADED_HIGH not set); only a bzImage has the 64-bit entry" };
    if (!(parsed.xloadflags & xlf_kernel_64))
        return Error { "kernel has no 64-bit entry point (xloadflags)" };
    if (!std::has_single_bit(parsed.kernel_alignment))
        return Error { "kernel_alignment " + hex(parsed.kernel_alignment) + " is not a power of two" };

    // An empty protected-mode part counts as truncated too.
    uint64_t described_size = parsed.setup_size() + std::max<uint64_t>(get(page, syssize), 1) * syssize_unit;
    if (bzimage.size() < described_size)
        return Error { "bzImage is truncated (" + std::to_string(bzimage.size()) + " bytes, its header describes "
            + std::to_string(described_size) + ")" };
    return parsed;
}

Result<BootImage> plan_linux(
    std::span<const uint8_t> bzimage, std::span<const uint8_t> initrd, std::string_view cmdline, uint64_t ram_size)
{
    using namespace boot_params;
    SetupHeader header = TRY(parse_setup_header(bzimage));
    auto protected_mode = bzimage.subspan(header.setup_size());
    uint64_t low_end = layout::low_ram_end(ram_size);

    // Where the kernel decompresses itself and runs (boot.rst, init_size): a relocatable kernel
    // moves to pref_address (LOAD_PHYSICAL_ADDR) or to its aligned load address if that is higher;
    // another one always runs at pref_address. From there it needs init_size bytes.
    uint64_t runtime_start = header.relocatable ? std::max(layout::kernel_load_address, header.pref_address)
                                                : header.pref_address;
    if (runtime_start < layout::kernel_load_address || runtime_start > layout::low_ram_limit)
        return Error { "kernel wants to run at " + hex(runtime_start) + ", outside the RAM from 1 MiB to 3 GiB" };
    if (header.relocatable)
        runtime_start = align_up(runtime_start, header.kernel_alignment);
    uint64_t kernel_end
        = std::max(layout::kernel_load_address + protected_mode.size(), runtime_start + header.init_size);
    if (kernel_end > low_end) {
        if (kernel_end > layout::low_ram_limit)
            return Error { "kernel needs RAM up to " + hex(kernel_end) + ", beyond the 3 GiB below the PCI hole" };
        return Error { "kernel needs " + mib_rounded_up(kernel_end) + " but the guest has only "
            + mib_rounded_down(ram_size) + "; use -m" };
    }
    AddressRange kernel { layout::kernel_load_address, kernel_end - layout::kernel_load_address };

    ZeroPage page {};
    std::memcpy(page.data() + setup_header_offset, bzimage.data() + setup_header_offset,
        header.header_end - setup_header_offset);
    // The heap flag only concerns the real-mode setup code, which the 64-bit entry skips.
    set(page, loadflags, uint8_t(header.loadflags & ~can_use_heap));
    set(page, vid_mode, vid_mode_normal);

    BootPayload payload {
        .initrd = initrd,
        .cmdline = cmdline,
        .ram_size = ram_size,
        .kernel = kernel,
        .initrd_end_limit = std::min(uint64_t(header.initrd_addr_max) + 1, low_end),
        .cmdline_limit = header.cmdline_size,
    };
    BootImage image = TRY(plan_boot_payload(page, payload));
    image.pieces.push_back({ layout::kernel_load_address, protected_mode });
    image.info.entry = layout::kernel_load_address + entry_64_offset;
    return image;
}

Result<LinuxBootInfo> load_linux(GuestMemory& memory, std::span<const uint8_t> bzimage, std::span<const uint8_t> initrd,
    std::string_view cmdline, uint64_t ram_size)
{
    BootImage image = TRY(plan_linux(bzimage, initrd, cmdline, ram_size));
    TRY(write_boot_image(memory, image));
    return image.info;
}

Result<BootImage> plan_boot_payload(boot_params::ZeroPage page, const BootPayload& payload)
{
    using namespace boot_params;
    uint64_t cmdline_limit = std::min(payload.cmdline_limit, layout::cmdline_region_size - 1);
    if (payload.cmdline.size() > cmdline_limit)
        return Error { "command line is " + std::to_string(payload.cmdline.size()) + " bytes, kernel accepts at most "
            + std::to_string(cmdline_limit) };
    if (payload.cmdline.find('\0') != std::string_view::npos)
        return Error { "command line contains a NUL byte" };

    BootImage image;
    AddressRange initrd;
    if (!payload.initrd.empty()) {
        initrd = TRY(place_initrd(payload));
        image.pieces.push_back({ initrd.address, payload.initrd });
    }
    image.cmdline = payload.cmdline;

    set(page, type_of_loader, loader_type_undefined);
    // The kernel wants the pointer even for an empty command line.
    set(page, cmd_line_ptr, uint32_t(layout::cmdline_address));
    set(page, ext_cmd_line_ptr, uint32_t(layout::cmdline_address >> 32));
    set(page, ramdisk_image, uint32_t(initrd.address));
    set(page, ext_ramdisk_image, uint32_t(initrd.address >> 32));
    set(page, ramdisk_size, uint32_t(initrd.size));
    set(page, ext_ramdisk_size, uint32_t(initrd.size >> 32));
    TRY(write_e820_table(page, e820_map(payload.ram_size)));
    image.zero_page = page;
    image.info = {
        .entry = 0,
        .boot_params = layout::zero_page_address,
        .kernel = payload.kernel,
        .initrd = initrd,
        .cmdline_address = layout::cmdline_address,
    };
    return image;
}

} // namespace spicebox
