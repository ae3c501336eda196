#include "vmm/elf_loader.h"

#include "tests/support/elf_image.h"
#include "tests/unit/vmm/test_ram.h"
#include "vmm/memory_layout.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <doctest/doctest.h>
#include <elf.h>
#include <string>
#include <vector>

using namespace spicebox;
namespace bp = spicebox::boot_params;

namespace {

constexpr uint64_t guest_ram_size = 16 * layout::MiB;
constexpr uint64_t text_address = 0x200000;
constexpr uint64_t data_address = 0x300000;

using test::elf_image;

std::vector<uint8_t> text_bytes() { return { 0xF4, 0xEB, 0xFD, 0x90 }; } // hlt; jmp .-3; nop
std::vector<uint8_t> data_bytes() { return { 1, 2, 3, 4, 5, 6, 7, 8 }; }

std::vector<uint8_t> good_elf()
{
    return elf_image(text_address + 1, {
        { text_address, text_bytes(), 0x1000, PF_R | PF_X },
        { data_address, data_bytes(), 0x2000, PF_R | PF_W },
    });
}

template<typename Field>
void patch(std::vector<uint8_t>& file, size_t offset, Field value)
{
    std::memcpy(file.data() + offset, &value, sizeof value);
}

size_t program_header_offset(unsigned index, size_t field_offset)
{
    return sizeof(Elf64_Ehdr) + index * sizeof(Elf64_Phdr) + field_offset;
}

struct Guest {
    TestRam ram { guest_ram_size };
    GuestMemory memory;

    Guest() { REQUIRE(memory.add_region(0, ram.bytes(), "ram").ok()); }

    std::string load_error(const std::vector<uint8_t>& elf)
    {
        auto result = load_elf(memory, elf, {}, "", guest_ram_size);
        REQUIRE_FALSE(result.ok());
        return result.error().message;
    }
};

} // namespace

TEST_CASE("load_elf copies segments to their physical addresses and zeroes their bss")
{
    Guest guest;
    // Stale bytes where the bss goes must not survive.
    auto stale = guest.memory.span(data_address, 0x2000).value();
    std::fill(stale.begin(), stale.end(), 0xCC);

    std::vector<uint8_t> initrd(5000, 0x5A);
    auto info = load_elf(guest.memory, good_elf(), initrd, "init=/demo", guest_ram_size);
    REQUIRE(info.ok());
    CHECK(info->entry == text_address + 1);
    CHECK(info->boot_params == layout::zero_page_address);
    CHECK(info->kernel.address == text_address);
    CHECK(info->kernel.end() == data_address + 0x2000);

    std::vector<uint8_t> text(4), data(8);
    REQUIRE(guest.memory.read(text_address, text).ok());
    REQUIRE(guest.memory.read(data_address, data).ok());
    CHECK(text == text_bytes());
    CHECK(data == data_bytes());
    CHECK(std::all_of(stale.begin() + 8, stale.end(), [](uint8_t byte) { return byte == 0; }));

    // The same zero page a bzImage gets: command line, initrd at the top of RAM, e820.
    bp::ZeroPage page;
    REQUIRE(guest.memory.read(layout::zero_page_address, page).ok());
    CHECK(bp::get(page, bp::cmd_line_ptr) == layout::cmdline_address);
    CHECK(bp::get(page, bp::ramdisk_image) == guest_ram_size - 2 * layout::page_size);
    CHECK(bp::get(page, bp::ramdisk_size) == 5000);
    CHECK(bp::get(page, bp::e820_entries) == 4);
    CHECK(bp::get(page, bp::type_of_loader) == 0xFF);
    CHECK(bp::get(page, bp::boot_flag) == 0);
    char cmdline[11];
    REQUIRE(guest.memory.read(layout::cmdline_address, std::span(reinterpret_cast<uint8_t*>(cmdline), 11)).ok());
    CHECK(std::string(cmdline) == "init=/demo");
}

TEST_CASE("load_elf rejects files that are not x86-64 ELF64 executables")
{
    Guest guest;
    auto elf = good_elf();

    auto elf32 = elf;
    elf32[EI_CLASS] = ELFCLASS32;
    CHECK(guest.load_error(elf32) == "not an ELF64 file (class 1)");

    auto big_endian = elf;
    big_endian[EI_DATA] = ELFDATA2MSB;
    CHECK(guest.load_error(big_endian) == "ELF file is not little-endian");

    auto shared = elf;
    patch<uint16_t>(shared, offsetof(Elf64_Ehdr, e_type), ET_DYN);
    CHECK(guest.load_error(shared) == "ELF file is not an executable (type 3)");

    auto i386 = elf;
    patch<uint16_t>(i386, offsetof(Elf64_Ehdr, e_machine), EM_386);
    CHECK(guest.load_error(i386) == "ELF file is not for x86-64 (machine 3)");

    auto headers_outside = elf;
    patch<uint64_t>(headers_outside, offsetof(Elf64_Ehdr, e_phoff), elf.size() - 8);
    CHECK(guest.load_error(headers_outside) == "ELF program headers lie outside the file");

    CHECK(guest.load_error(std::vector<uint8_t>(elf.begin(), elf.begin() + 40)) == "ELF file is truncated (40 bytes)");
}

TEST_CASE("load_elf checks every segment against the file, the RAM and the boot area")
{
    Guest guest;
    auto elf = good_elf();

    auto outside_file = elf;
    patch<uint64_t>(outside_file, program_header_offset(1, offsetof(Elf64_Phdr, p_filesz)), 0x1000);
    CHECK(guest.load_error(outside_file).ends_with("lies outside the file"));

    auto file_bigger_than_memory = elf;
    patch<uint64_t>(file_bigger_than_memory, program_header_offset(1, offsetof(Elf64_Phdr, p_memsz)), 4);
    CHECK(guest.load_error(file_bigger_than_memory) == "ELF segment 1 has more bytes in the file than in memory");

    auto boot_area = elf_image(0x7000, { { 0x7000, text_bytes(), 0x1000, PF_R | PF_X } });
    CHECK(guest.load_error(boot_area) == "ELF segment 0 at 0x7000 overlaps the boot area below 1 MiB");

    auto beyond_ram = elf_image(text_address, {
        { text_address, text_bytes(), 0x1000, PF_R | PF_X },
        { guest_ram_size - 0x100, data_bytes(), 0x1000, PF_R },
    });
    CHECK(guest.load_error(beyond_ram) == "ELF segment 1 at 0xffff00-0x1000f00 lies outside the guest's RAM");

    auto wrapping = elf;
    patch<uint64_t>(wrapping, program_header_offset(1, offsetof(Elf64_Phdr, p_paddr)), UINT64_MAX - 0x10);
    CHECK(guest.load_error(wrapping) == "ELF segment 1 wraps around the address space");

    auto overlapping = elf_image(text_address, {
        { text_address, text_bytes(), 0x1000, PF_R | PF_X },
        { text_address + 0x800, data_bytes(), 0x1000, PF_R },
    });
    CHECK(guest.load_error(overlapping) == "ELF segments 0 and 1 overlap");

    CHECK(guest.load_error(elf_image(text_address, {})) == "ELF file has no loadable segment");
}

TEST_CASE("load_elf wants the entry point inside an executable segment")
{
    Guest guest;
    auto in_data = good_elf();
    patch<uint64_t>(in_data, offsetof(Elf64_Ehdr, e_entry), data_address);
    CHECK(guest.load_error(in_data) == "ELF entry point 0x300000 is not inside an executable segment");

    auto past_text = good_elf();
    patch<uint64_t>(past_text, offsetof(Elf64_Ehdr, e_entry), text_address + 0x1000);
    CHECK(guest.load_error(past_text) == "ELF entry point 0x201000 is not inside an executable segment");
}

TEST_CASE("plan_elf checks and plans without guest memory")
{
    auto elf = good_elf();
    std::vector<uint8_t> initrd(5000, 0x5A);
    auto plan = plan_elf(elf, initrd, "init=/demo", guest_ram_size);
    REQUIRE(plan.ok());
    REQUIRE(plan->pieces.size() == 3);
    CHECK(plan->pieces[0].address == guest_ram_size - 2 * layout::page_size);
    CHECK(plan->pieces[0].bytes.data() == initrd.data());
    const BootPiece& text = plan->pieces[1];
    const BootPiece& data = plan->pieces[2];
    CHECK(text.address == text_address);
    CHECK(std::vector<uint8_t>(text.bytes.begin(), text.bytes.end()) == text_bytes());
    CHECK(text.zero_fill == 0x1000 - 4);
    CHECK(data.address == data_address);
    CHECK(data.bytes.size() == 8);
    CHECK(data.zero_fill == 0x2000 - 8);
    CHECK(plan->info.entry == text_address + 1);
    CHECK(plan->cmdline == "init=/demo");

    auto beyond_ram = plan_elf(elf, {}, "", 3 * layout::MiB);
    REQUIRE_FALSE(beyond_ram.ok());
    CHECK(beyond_ram.error().message == "ELF segment 1 at 0x300000-0x302000 lies outside the guest's RAM");
}
