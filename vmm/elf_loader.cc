#include "vmm/elf_loader.h"

#include "vmm/memory_layout.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <elf.h>
#include <string>
#include <vector>

namespace spicebox {

namespace {

std::string hex(uint64_t value)
{
    char text[24];
    std::snprintf(text, sizeof text, "0x%" PRIx64, value);
    return text;
}

Result<Elf64_Ehdr> parse_file_header(std::span<const uint8_t> elf)
{
    Elf64_Ehdr header;
    if (elf.size() < sizeof header)
        return Error { "ELF file is truncated (" + std::to_string(elf.size()) + " bytes)" };
    std::memcpy(&header, elf.data(), sizeof header);
    if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0)
        return Error { "not an ELF file" };
    if (header.e_ident[EI_CLASS] != ELFCLASS64)
        return Error { "not an ELF64 file (class " + std::to_string(header.e_ident[EI_CLASS]) + ")" };
    if (header.e_ident[EI_DATA] != ELFDATA2LSB)
        return Error { "ELF file is not little-endian" };
    if (header.e_type != ET_EXEC)
        return Error { "ELF file is not an executable (type " + std::to_string(header.e_type) + ")" };
    if (header.e_machine != EM_X86_64)
        return Error { "ELF file is not for x86-64 (machine " + std::to_string(header.e_machine) + ")" };
    if (header.e_phentsize != sizeof(Elf64_Phdr))
        return Error { "ELF program headers are " + std::to_string(header.e_phentsize) + " bytes, not "
            + std::to_string(sizeof(Elf64_Phdr)) };
    if (header.e_phoff > elf.size() || uint64_t(header.e_phnum) * sizeof(Elf64_Phdr) > elf.size() - header.e_phoff)
        return Error { "ELF program headers lie outside the file" };
    return header;
}

bool inside_ram(uint64_t address, uint64_t size, uint64_t ram_size)
{
    auto ranges = layout::ram_ranges(ram_size);
    return std::any_of(ranges.begin(), ranges.end(), [&](const layout::RamRange& range) {
        return address >= range.guest_address && address + size <= range.end();
    });
}

// Checks one PT_LOAD segment against the file, the RAM and the boot area.
Result<void> check_segment(const Elf64_Phdr& segment, unsigned index, std::span<const uint8_t> elf, uint64_t ram_size)
{
    std::string name = "ELF segment " + std::to_string(index);
    if (segment.p_offset > elf.size() || segment.p_filesz > elf.size() - segment.p_offset)
        return Error { name + " (" + std::to_string(segment.p_filesz) + " bytes at offset " + hex(segment.p_offset)
            + ") lies outside the file" };
    if (segment.p_filesz > segment.p_memsz)
        return Error { name + " has more bytes in the file than in memory" };
    if (segment.p_paddr + segment.p_memsz < segment.p_paddr)
        return Error { name + " wraps around the address space" };
    if (segment.p_paddr < layout::kernel_load_address)
        return Error { name + " at " + hex(segment.p_paddr) + " overlaps the boot area below 1 MiB" };
    if (!inside_ram(segment.p_paddr, segment.p_memsz, ram_size))
        return Error { name + " at " + hex(segment.p_paddr) + "-" + hex(segment.p_paddr + segment.p_memsz)
            + " lies outside the guest's RAM" };
    return {};
}

} // namespace

Result<BootImage> plan_elf(
    std::span<const uint8_t> elf, std::span<const uint8_t> initrd, std::string_view cmdline, uint64_t ram_size)
{
    Elf64_Ehdr header = TRY(parse_file_header(elf));

    struct Loadable {
        unsigned index;
        Elf64_Phdr segment;
    };
    std::vector<Loadable> loadables;
    for (unsigned i = 0; i < header.e_phnum; ++i) {
        Elf64_Phdr segment;
        std::memcpy(&segment, elf.data() + header.e_phoff + uint64_t(i) * sizeof segment, sizeof segment);
        if (segment.p_type != PT_LOAD || segment.p_memsz == 0)
            continue;
        TRY(check_segment(segment, i, elf, ram_size));
        for (const auto& other : loadables) {
            const Elf64_Phdr& o = other.segment;
            if (segment.p_paddr < o.p_paddr + o.p_memsz && o.p_paddr < segment.p_paddr + segment.p_memsz)
                return Error {
                    "ELF segments " + std::to_string(other.index) + " and " + std::to_string(i) + " overlap" };
        }
        loadables.push_back({ i, segment });
    }
    if (loadables.empty())
        return Error { "ELF file has no loadable segment" };

    bool entry_executable = std::any_of(loadables.begin(), loadables.end(), [&](const Loadable& loadable) {
        const Elf64_Phdr& s = loadable.segment;
        return (s.p_flags & PF_X) && header.e_entry >= s.p_paddr && header.e_entry - s.p_paddr < s.p_memsz;
    });
    if (!entry_executable)
        return Error { "ELF entry point " + hex(header.e_entry) + " is not inside an executable segment" };
    if (header.e_entry >= layout::high_ram_start)
        return Error { "ELF entry point " + hex(header.e_entry) + " is above the 4 GiB the boot page tables map" };

    uint64_t lowest = UINT64_MAX;
    uint64_t highest = 0;
    for (const auto& [index, segment] : loadables) {
        lowest = std::min(lowest, segment.p_paddr);
        highest = std::max(highest, segment.p_paddr + segment.p_memsz);
    }
    AddressRange kernel { lowest, highest - lowest };

    // A guest without a setup header accepts whatever command line fits our region.
    BootPayload payload {
        .initrd = initrd,
        .cmdline = cmdline,
        .ram_size = ram_size,
        .kernel = kernel,
        .initrd_end_limit = layout::low_ram_end(ram_size),
        .cmdline_limit = layout::cmdline_region_size - 1,
    };
    BootImage image = TRY(plan_boot_payload(boot_params::ZeroPage {}, payload));
    for (const auto& [index, segment] : loadables)
        image.pieces.push_back(
            { segment.p_paddr, elf.subspan(segment.p_offset, segment.p_filesz), segment.p_memsz - segment.p_filesz });
    image.info.entry = header.e_entry;
    return image;
}

Result<ElfBootInfo> load_elf(GuestMemory& memory, std::span<const uint8_t> elf, std::span<const uint8_t> initrd,
    std::string_view cmdline, uint64_t ram_size)
{
    BootImage image = TRY(plan_elf(elf, initrd, cmdline, ram_size));
    TRY(write_boot_image(memory, image));
    return image.info;
}

} // namespace spicebox
