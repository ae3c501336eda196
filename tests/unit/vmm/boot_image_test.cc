#include "vmm/boot_image.h"

#include "tests/unit/vmm/test_ram.h"
#include "vmm/builtin_guests.h"
#include "vmm/memory_layout.h"

#include <algorithm>
#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace spicebox;
namespace bp = spicebox::boot_params;

TEST_CASE("plan_guest tells the formats apart and names the image in every error, without guest memory")
{
    auto* hello = find_builtin_guest("hello");
    auto* bootcheck = find_builtin_guest("bootcheck");
    REQUIRE(hello != nullptr);
    REQUIRE(bootcheck != nullptr);
    CHECK(plan_guest("hello", hello->image, {}, "", 64 * layout::MiB).ok());
    CHECK(plan_guest("bootcheck", bootcheck->image, {}, "", 64 * layout::MiB).ok());

    auto small_elf = plan_guest("built-in guest hello", hello->image, {}, "", layout::MiB);
    REQUIRE_FALSE(small_elf.ok());
    CHECK(small_elf.error().message.starts_with("built-in guest hello: ELF segment "));
    CHECK(small_elf.error().message.ends_with(" lies outside the guest's RAM"));

    auto small_bzimage = plan_guest("bootcheck", bootcheck->image, {}, "", layout::MiB);
    REQUIRE_FALSE(small_bzimage.ok());
    CHECK(small_bzimage.error().message.starts_with("bootcheck: kernel needs "));
    CHECK(small_bzimage.error().message.ends_with(" but the guest has only 1 MiB; use -m"));

    std::vector<uint8_t> text(0x400, 'a');
    auto neither = plan_guest("/etc/passwd", text, {}, "", 64 * layout::MiB);
    REQUIRE_FALSE(neither.ok());
    CHECK(neither.error().message == "/etc/passwd is neither a bzImage nor an ELF64 file");
}

TEST_CASE("write_boot_image writes the pieces, their zero fill, the command line and the zero page")
{
    constexpr uint64_t ram_size = 4 * layout::MiB;
    TestRam ram(ram_size);
    GuestMemory memory;
    REQUIRE(memory.add_region(0, ram.bytes(), "ram").ok());
    auto stale = memory.span(0x200000, 0x2000).value();
    std::fill(stale.begin(), stale.end(), 0xCC);

    std::vector<uint8_t> code { 1, 2, 3 };
    std::vector<uint8_t> ramdisk(100, 0x5A);
    BootImage image;
    image.pieces = { { 0x200000, code, 0x1000 }, { 0x300000, ramdisk } };
    bp::set(image.zero_page, bp::ramdisk_size, uint32_t(ramdisk.size()));
    image.cmdline = "console=ttyS0";
    image.info = {
        .entry = 0x200000,
        .boot_params = layout::zero_page_address,
        .kernel = { 0x200000, 0x1003 },
        .initrd = { 0x300000, ramdisk.size() },
        .cmdline_address = layout::cmdline_address,
    };
    REQUIRE(write_boot_image(memory, image).ok());

    CHECK(std::equal(code.begin(), code.end(), stale.begin()));
    CHECK(std::all_of(stale.begin() + 3, stale.begin() + 0x1003, [](uint8_t byte) { return byte == 0; }));
    CHECK(stale[0x1003] == 0xCC);
    std::vector<uint8_t> placed(ramdisk.size());
    REQUIRE(memory.read(0x300000, placed).ok());
    CHECK(placed == ramdisk);
    std::vector<uint8_t> cmdline(image.cmdline.size() + 1, 0xFF);
    REQUIRE(memory.read(layout::cmdline_address, cmdline).ok());
    CHECK(std::string(cmdline.begin(), cmdline.end() - 1) == image.cmdline);
    CHECK(cmdline.back() == 0);
    bp::ZeroPage page;
    REQUIRE(memory.read(layout::zero_page_address, page).ok());
    CHECK(page == image.zero_page);

    // A plan made for more RAM than the memory has.
    image.pieces.push_back({ ram_size - 1, code });
    CHECK_FALSE(write_boot_image(memory, image).ok());
}
