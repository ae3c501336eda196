#include "vmm/linux_loader.h"

#include "tests/unit/vmm/test_ram.h"
#include "vmm/e820.h"
#include "vmm/memory_layout.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

using namespace spicebox;
namespace bp = spicebox::boot_params;

namespace {

constexpr uint64_t guest_ram_size = 256 * layout::MiB;

template<typename T>
T read_at(std::span<const uint8_t> bytes, size_t offset)
{
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

template<typename T>
void write_at(std::vector<uint8_t>& bytes, size_t offset, T value)
{
    std::memcpy(bytes.data() + offset, &value, sizeof value);
}

// The newest installed Debian kernel, if the machine has one.
std::optional<std::vector<uint8_t>> installed_kernel()
{
    std::optional<std::filesystem::path> newest;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator("/boot", error)) {
        if (entry.path().filename().string().starts_with("vmlinuz-")
            && (!newest || entry.last_write_time() > std::filesystem::last_write_time(*newest)))
            newest = entry.path();
    }
    if (!newest)
        return std::nullopt;
    std::ifstream file(*newest, std::ios::binary);
    if (!file)
        return std::nullopt;
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(file), {});
}

// A minimal bzImage: four setup sectors plus the boot sector, then `payload_size` bytes of
// protected-mode "code", with the header values of a current x86-64 kernel and a small init_size.
std::vector<uint8_t> fake_bzimage(uint32_t payload_size = 0x3000)
{
    constexpr uint8_t setup_sects = 4;
    uint32_t setup_size = (setup_sects + 1) * bp::sector_size;
    std::vector<uint8_t> image(setup_size + payload_size);
    for (uint32_t i = 0; i < payload_size; ++i)
        image[setup_size + i] = uint8_t(i * 7 + 1);
    write_at<uint8_t>(image, 0x1F1, setup_sects);
    write_at<uint32_t>(image, 0x1F4, payload_size / bp::syssize_unit);
    write_at<uint16_t>(image, 0x1FE, 0xAA55);
    write_at<uint8_t>(image, 0x200, 0xEB);
    write_at<uint8_t>(image, 0x201, 0x6A);
    write_at<uint32_t>(image, 0x202, 0x53726448);
    write_at<uint16_t>(image, 0x206, 0x020F);
    write_at<uint8_t>(image, 0x211, bp::loaded_high);
    write_at<uint32_t>(image, 0x214, 0x100000);
    write_at<uint32_t>(image, 0x22C, 0x7FFFFFFF);
    write_at<uint32_t>(image, 0x230, 0x200000);
    write_at<uint8_t>(image, 0x234, 1);
    write_at<uint16_t>(image, 0x236, 0x7F);
    write_at<uint32_t>(image, 0x238, 2047);
    write_at<uint64_t>(image, 0x258, 0x1000000);
    write_at<uint32_t>(image, 0x260, 0x800000);
    return image;
}

std::string header_error(std::vector<uint8_t> image)
{
    auto result = parse_setup_header(image);
    REQUIRE_FALSE(result.ok());
    return result.error().message;
}

// Each broken header gets its own one-line reason; run on the fake image and on the real kernel.
void check_header_errors(const std::vector<uint8_t>& good)
{
    REQUIRE(parse_setup_header(good).ok());

    auto no_signature = good;
    no_signature[0x202] = 'X';
    CHECK(header_error(no_signature) == "not a bzImage (no HdrS signature)");

    auto no_boot_flag = good;
    write_at<uint16_t>(no_boot_flag, 0x1FE, 0);
    CHECK(header_error(no_boot_flag) == "not a bzImage (no 0xAA55 boot flag)");

    auto old = good;
    write_at<uint16_t>(old, 0x206, 0x0203);
    CHECK(header_error(old) == "boot protocol 2.03 is too old (need 2.12 for the 64-bit entry)");

    auto no_64bit_entry = good;
    write_at<uint16_t>(no_64bit_entry, 0x236, read_at<uint16_t>(good, 0x236) & ~bp::xlf_kernel_64);
    CHECK(header_error(no_64bit_entry) == "kernel has no 64-bit entry point (xloadflags)");

    auto zimage = good;
    zimage[0x211] &= ~bp::loaded_high;
    CHECK(header_error(zimage) == "kernel is a zImage (LOADED_HIGH not set); only a bzImage has the 64-bit entry");

    auto odd_alignment = good;
    write_at<uint32_t>(odd_alignment, 0x230, 0x300000);
    CHECK(header_error(odd_alignment) == "kernel_alignment 0x300000 is not a power of two");

    auto short_header = good;
    short_header[0x201] = 0x10;
    CHECK(header_error(short_header) == "setup header ends at 0x212, before the fields of protocol 2.15");

    auto truncated = std::vector<uint8_t>(good.begin(), good.begin() + good.size() / 2);
    CHECK(header_error(truncated).starts_with("bzImage is truncated (" + std::to_string(truncated.size()) + " bytes"));

    auto setup_only = std::vector<uint8_t>(good.begin(), good.begin() + parse_setup_header(good)->setup_size());
    CHECK(header_error(setup_only).starts_with("bzImage is truncated"));

    CHECK(header_error(std::vector<uint8_t>(good.begin(), good.begin() + 0x100)) == "not a bzImage (only 256 bytes)");
}

struct LoadedGuest {
    TestRam ram { guest_ram_size };
    GuestMemory memory;

    LoadedGuest() { REQUIRE(memory.add_region(0, ram.bytes(), "ram").ok()); }

    bp::ZeroPage zero_page()
    {
        bp::ZeroPage page;
        REQUIRE(memory.read(layout::zero_page_address, page).ok());
        return page;
    }
};

std::vector<uint8_t> pattern(size_t size)
{
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = uint8_t(i * 13 + 5);
    return bytes;
}

std::string read_cstring(const GuestMemory& memory, uint64_t address)
{
    std::string text;
    for (;;) {
        auto byte = memory.read_object<char>(address + text.size());
        REQUIRE(byte.ok());
        if (*byte == '\0')
            return text;
        text.push_back(*byte);
    }
}

// Loads `image` with an initrd and a command line and checks what the guest will find.
void check_loaded_guest(const std::vector<uint8_t>& image)
{
    SetupHeader header = parse_setup_header(image).value();
    LoadedGuest guest;
    auto initrd = pattern(3 * layout::MiB + 123);
    std::string cmdline = "console=ttyS0 reboot=k panic=-1";

    auto info = load_linux(guest.memory, image, initrd, cmdline, guest_ram_size);
    REQUIRE(info.ok());
    CHECK(info->entry == 0x100200);
    CHECK(info->boot_params == 0x7000);
    CHECK(info->cmdline_address == 0x20000);
    CHECK(info->kernel.address == 0x100000);
    uint64_t runtime_start = std::max<uint64_t>(header.pref_address, 0x100000);
    CHECK(info->kernel.end() >= runtime_start + header.init_size);

    // Protected-mode part at 1 MiB, byte for byte.
    std::vector<uint8_t> loaded(image.size() - header.setup_size());
    REQUIRE(guest.memory.read(0x100000, loaded).ok());
    CHECK(std::equal(loaded.begin(), loaded.end(), image.begin() + header.setup_size()));

    // Initrd: page-aligned, as high as it goes, above the kernel, bytes intact.
    CHECK(info->initrd.size == initrd.size());
    CHECK(info->initrd.address % layout::page_size == 0);
    CHECK(info->initrd.end() <= guest_ram_size);
    CHECK(info->initrd.end() > guest_ram_size - layout::page_size);
    CHECK(info->initrd.address >= info->kernel.end());
    std::vector<uint8_t> placed(initrd.size());
    REQUIRE(guest.memory.read(info->initrd.address, placed).ok());
    CHECK(placed == initrd);

    CHECK(read_cstring(guest.memory, info->cmdline_address) == cmdline);

    bp::ZeroPage page = guest.zero_page();
    CHECK(bp::get(page, bp::boot_flag) == 0xAA55);
    CHECK(bp::get(page, bp::header) == 0x53726448);
    CHECK(bp::get(page, bp::version) == header.version);
    CHECK(bp::get(page, bp::init_size) == header.init_size);
    CHECK(bp::get(page, bp::type_of_loader) == 0xFF);
    CHECK((bp::get(page, bp::loadflags) & bp::loaded_high) != 0);
    CHECK((bp::get(page, bp::loadflags) & bp::can_use_heap) == 0);
    CHECK(bp::get(page, bp::vid_mode) == 0xFFFF);
    CHECK(bp::get(page, bp::cmd_line_ptr) == 0x20000);
    CHECK(bp::get(page, bp::ext_cmd_line_ptr) == 0);
    CHECK(bp::get(page, bp::ramdisk_image) == info->initrd.address);
    CHECK(bp::get(page, bp::ramdisk_size) == initrd.size());
    CHECK(bp::get(page, bp::ext_ramdisk_image) == 0);
    // Nothing before the setup header but the e820 count and the ext_* fields; screen_info stays zero.
    CHECK(std::all_of(page.begin(), page.begin() + 0x40, [](uint8_t byte) { return byte == 0; }));
    // Nothing of the file past the header's end was copied.
    CHECK(std::all_of(page.begin() + header.header_end, page.begin() + bp::e820_table_offset,
        [](uint8_t byte) { return byte == 0; }));

    auto expected_map = e820_map(guest_ram_size);
    REQUIRE(bp::get(page, bp::e820_entries) == expected_map.size());
    for (size_t i = 0; i < expected_map.size(); ++i) {
        size_t offset = bp::e820_table_offset + i * bp::e820_entry_size;
        CHECK(read_at<uint64_t>(page, offset) == expected_map[i].address);
        CHECK(read_at<uint64_t>(page, offset + 8) == expected_map[i].size);
        CHECK(read_at<uint32_t>(page, offset + 16) == uint32_t(expected_map[i].type));
    }
}

// Everything plan_linux refuses besides a broken header, found without any guest memory;
// `small_ram` is too little for the kernel.
void check_load_errors(const std::vector<uint8_t>& image, uint64_t small_ram)
{
    SetupHeader header = parse_setup_header(image).value();
    uint64_t runtime_start = (std::max<uint64_t>(header.pref_address, 0x100000) + header.kernel_alignment - 1)
        & ~uint64_t(header.kernel_alignment - 1);
    uint64_t needed_mib = (runtime_start + header.init_size + layout::MiB - 1) / layout::MiB;

    auto result = plan_linux(image, {}, "", small_ram);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().message
        == "kernel needs " + std::to_string(needed_mib) + " MiB but the guest has only "
            + std::to_string(small_ram / layout::MiB) + " MiB; use -m");

    std::string long_cmdline(header.cmdline_size + 1, 'x');
    auto too_long = plan_linux(image, {}, long_cmdline, guest_ram_size);
    REQUIRE_FALSE(too_long.ok());
    CHECK(too_long.error().message
        == "command line is " + std::to_string(header.cmdline_size + 1) + " bytes, kernel accepts at most "
            + std::to_string(header.cmdline_size));
    LoadedGuest guest;
    CHECK(load_linux(guest.memory, image, {}, std::string(header.cmdline_size, 'x'), guest_ram_size).ok());

    // An initrd reaching down into the kernel's decompression window.
    TestRam huge_initrd(guest_ram_size - 16 * layout::MiB);
    auto no_room = plan_linux(image, huge_initrd.bytes(), "", guest_ram_size);
    REQUIRE_FALSE(no_room.ok());
    CHECK(no_room.error().message == "initrd of 240 MiB does not fit between the kernel and 256 MiB; use -m");
}

} // namespace

TEST_CASE("detect_kernel_format tells bzImage from ELF by magic")
{
    CHECK(detect_kernel_format(fake_bzimage()) == KernelFormat::BzImage);
    std::vector<uint8_t> elf = { 0x7F, 'E', 'L', 'F', 2, 1, 1, 0 };
    CHECK(detect_kernel_format(elf) == KernelFormat::Elf64);
    std::vector<uint8_t> text(0x400, 'a');
    CHECK(detect_kernel_format(text) == KernelFormat::Unknown);
    CHECK(detect_kernel_format({}) == KernelFormat::Unknown);
    // A boot flag too close to the end of a short file is not enough.
    std::vector<uint8_t> stub(0x200);
    stub[0x1FE] = 0x55;
    stub[0x1FF] = 0xAA;
    CHECK(detect_kernel_format(stub) == KernelFormat::Unknown);
}

TEST_CASE("parse_setup_header reads a synthetic bzImage and rejects each kind of breakage")
{
    auto header = parse_setup_header(fake_bzimage()).value();
    CHECK(header.setup_sects == 4);
    CHECK(header.setup_size() == 0xA00);
    CHECK(header.header_end == 0x26C);
    CHECK(header.version == 0x020F);
    CHECK(header.relocatable);
    CHECK(header.cmdline_size == 2047);
    CHECK(header.pref_address == 0x1000000);
    CHECK(header.init_size == 0x800000);

    auto zero_sects = fake_bzimage();
    zero_sects[0x1F1] = 0;
    CHECK(parse_setup_header(zero_sects)->setup_sects == 4);

    check_header_errors(fake_bzimage());
}

TEST_CASE("load_linux places a synthetic bzImage, its initrd, command line and zero page")
{
    check_loaded_guest(fake_bzimage());
    check_load_errors(fake_bzimage(), 16 * layout::MiB);
}

TEST_CASE("plan_linux lists what load_linux writes, with spans into the caller's buffers")
{
    auto image = fake_bzimage();
    auto initrd = pattern(5000);
    auto plan = plan_linux(image, initrd, "quiet", guest_ram_size);
    REQUIRE(plan.ok());
    REQUIRE(plan->pieces.size() == 2);
    const BootPiece& ramdisk = plan->pieces[0];
    const BootPiece& kernel = plan->pieces[1];
    CHECK(ramdisk.address == plan->info.initrd.address);
    CHECK(ramdisk.bytes.data() == initrd.data());
    CHECK(ramdisk.bytes.size() == initrd.size());
    CHECK(kernel.address == 0x100000);
    CHECK(kernel.bytes.data() == image.data() + 0xA00);
    CHECK(kernel.bytes.size() == 0x3000);
    CHECK(kernel.zero_fill == 0);
    CHECK(plan->cmdline == "quiet");
    CHECK(plan->info.entry == 0x100200);
    CHECK(plan->info.boot_params == layout::zero_page_address);
    CHECK(bp::get(plan->zero_page, bp::ramdisk_image) == plan->info.initrd.address);
    CHECK(bp::get(plan->zero_page, bp::cmd_line_ptr) == plan->info.cmdline_address);
}

TEST_CASE("A non-relocatable kernel runs at pref_address, which must not be in the boot area")
{
    auto image = fake_bzimage();
    image[0x234] = 0;
    write_at<uint64_t>(image, 0x258, 0x2000000);
    LoadedGuest guest;
    auto info = load_linux(guest.memory, image, {}, "", guest_ram_size);
    REQUIRE(info.ok());
    CHECK(info->kernel.end() == 0x2000000 + 0x800000);
    CHECK(info->initrd.size == 0);
    CHECK(bp::get(guest.zero_page(), bp::ramdisk_image) == 0);

    write_at<uint64_t>(image, 0x258, 0x8000);
    auto low = load_linux(guest.memory, image, {}, "", guest_ram_size);
    REQUIRE_FALSE(low.ok());
    CHECK(low.error().message == "kernel wants to run at 0x8000, outside the RAM from 1 MiB to 3 GiB");
}

TEST_CASE("The installed Debian kernel's setup header and load")
{
    auto kernel = installed_kernel();
    if (!kernel) {
        MESSAGE("no /boot/vmlinuz-* on this machine: skipped");
        return;
    }
    auto header = parse_setup_header(*kernel);
    REQUIRE(header.ok());
    CHECK(header->version >= 0x020C);
    CHECK((header->xloadflags & bp::xlf_kernel_64) != 0);
    CHECK(std::has_single_bit(header->kernel_alignment));
    CHECK(header->init_size > 0);
    CHECK(header->relocatable);
    CHECK(header->cmdline_size >= 255);
    CHECK(header->setup_size() < kernel->size());

    check_header_errors(*kernel);
    check_loaded_guest(*kernel);
    check_load_errors(*kernel, 64 * layout::MiB);
}
