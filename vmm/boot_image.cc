#include "vmm/boot_image.h"

#include "vmm/elf_loader.h"
#include "vmm/linux_loader.h"

#include <algorithm>

namespace spicebox {

Result<BootImage> plan_guest(const std::string& image_name, std::span<const uint8_t> image,
    std::span<const uint8_t> initrd, std::string_view cmdline, uint64_t ram_size)
{
    KernelFormat format = detect_kernel_format(image);
    if (format == KernelFormat::Unknown)
        return Error { image_name + " is neither a bzImage nor an ELF64 file" };
    auto plan = format == KernelFormat::BzImage ? plan_linux(image, initrd, cmdline, ram_size)
                                                : plan_elf(image, initrd, cmdline, ram_size);
    if (!plan)
        return wrap_error(image_name, plan.error());
    return plan;
}

Result<void> write_boot_image(GuestMemory& memory, const BootImage& image)
{
    for (const auto& piece : image.pieces) {
        TRY(memory.write(piece.address, piece.bytes));
        if (piece.zero_fill) {
            auto zeros = TRY(memory.span(piece.address + piece.bytes.size(), piece.zero_fill));
            std::fill(zeros.begin(), zeros.end(), 0);
        }
    }
    TRY(memory.write(image.info.cmdline_address,
        std::span(reinterpret_cast<const uint8_t*>(image.cmdline.c_str()), image.cmdline.size() + 1)));
    TRY(memory.write(image.info.boot_params, image.zero_page));
    return {};
}

} // namespace spicebox
