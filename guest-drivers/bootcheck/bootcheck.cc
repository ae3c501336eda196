// Checks, from inside the guest, what a VMM handed a bzImage through the Linux 64-bit boot protocol:
// the zero page, the entry state, the command line, the e820 map and the initrd. One line per check,
// a summary line, and exit status 0 only if every check passed.
#include "runtime/runtime.h"

namespace spicebox::guest {

namespace {

// Written into the setup header by tools/mkbzimage.py; the two must agree.
constexpr uint16_t built_protocol_version = 0x020F;
constexpr uint32_t built_initrd_addr_max = 0x7FFFFFFF;
// The protected-mode part is loaded at 1 MiB and entered 0x200 bytes in.
constexpr uint64_t expected_entry_address = 0x100200;
// The boot protocol asks for __BOOT_CS = 0x10.
constexpr uint16_t expected_code_selector = 0x10;
constexpr uint8_t expected_type_of_loader = 0xFF;

constexpr uint64_t cr0_paging = 1ull << 31;
constexpr uint64_t cr4_pae = 1ull << 5;
constexpr uint64_t efer_long_mode_active = 1ull << 10;

constexpr uint64_t mib = 1024 * 1024;
constexpr uint64_t page_size = 4096;
constexpr uint64_t identity_mapped_limit = 4096 * mib;

class Report {
public:
    void pass(const char* name)
    {
        printf("bootcheck: PASS %s\n", name);
        ++m_passed;
    }

    __attribute__((format(printf, 3, 4))) void fail(const char* name, const char* why_format, ...)
    {
        va_list arguments;
        va_start(arguments, why_format);
        fail_with(name, why_format, arguments);
        va_end(arguments);
    }

    // Passes or fails; the reason is only formatted on failure. Returns `passed`.
    __attribute__((format(printf, 4, 5))) bool check(bool passed, const char* name, const char* why_format, ...)
    {
        if (passed) {
            pass(name);
            return true;
        }
        va_list arguments;
        va_start(arguments, why_format);
        fail_with(name, why_format, arguments);
        va_end(arguments);
        return false;
    }

    int finish() const
    {
        printf("bootcheck: %u passed, %u failed\n", m_passed, m_failed);
        return int(m_failed == 0 ? ExitStatus::Passed : ExitStatus::Failed);
    }

private:
    void fail_with(const char* name, const char* why_format, va_list arguments)
    {
        printf("bootcheck: FAIL %s: ", name);
        vprintf(why_format, arguments);
        print("\n");
        ++m_failed;
    }

    unsigned m_passed { 0 };
    unsigned m_failed { 0 };
};

uint32_t crc32(const uint8_t* data, uint64_t size)
{
    uint32_t table[256];
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t value = i;
        for (int bit = 0; bit < 8; ++bit)
            value = (value & 1) ? (value >> 1) ^ 0xEDB88320u : value >> 1;
        table[i] = value;
    }
    uint32_t crc = 0xFFFFFFFFu;
    for (uint64_t i = 0; i < size; ++i)
        crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    return crc ^ 0xFFFFFFFFu;
}

// Whether one RAM entry holds all of [start, end).
bool ram_contains(const BootParams& params, uint64_t start, uint64_t end)
{
    for (size_t i = 0; i < params.e820_count(); ++i) {
        E820Entry entry = params.e820_entry(i);
        if (E820Type(entry.type) == E820Type::Ram && entry.address <= start && end <= entry.end())
            return true;
    }
    return false;
}

// The index of the first entry that wraps around or overlaps or precedes its predecessor; the count if none.
size_t first_unordered_e820_entry(const BootParams& params)
{
    for (size_t i = 0; i < params.e820_count(); ++i) {
        E820Entry entry = params.e820_entry(i);
        if (entry.end() < entry.address || (i > 0 && entry.address < params.e820_entry(i - 1).end()))
            return i;
    }
    return params.e820_count();
}

void check_header(Report& report, const BootInfo& boot)
{
    const BootParams& params = boot.boot_params;
    report.check(params.header_magic() == zero_page::header_magic, "zero_page_magic",
        "boot_params at 0x%lx has 0x%x at 0x202, not \"HdrS\"", params.address(), params.header_magic());
    report.check(params.protocol_version() == built_protocol_version, "protocol_version", "version 0x%x, built with 0x%x",
        params.protocol_version(), built_protocol_version);
    report.check(params.type_of_loader() == expected_type_of_loader, "type_of_loader", "type_of_loader 0x%x, expected 0x%x",
        params.type_of_loader(), expected_type_of_loader);
}

void check_entry(Report& report, const BootInfo& boot)
{
    const EntryState& entry = boot.entry;
    report.check(entry.address == expected_entry_address, "entry_address", "entered at 0x%lx, expected 0x%lx", entry.address,
        expected_entry_address);
    bool long_mode = (entry.efer & efer_long_mode_active) && (entry.cr0 & cr0_paging) && (entry.cr4 & cr4_pae);
    report.check(long_mode, "long_mode", "EFER 0x%lx CR0 0x%lx CR4 0x%lx", entry.efer, entry.cr0, entry.cr4);
    report.check(entry.code_selector == expected_code_selector, "code_selector", "CS 0x%x, expected 0x%x",
        entry.code_selector, expected_code_selector);
}

void check_command_line(Report& report, const BootParams& params)
{
    if (!report.check(params.command_line_address() != 0, "cmdline", "cmd_line_ptr is 0"))
        return;
    StringView command_line = params.command_line();
    report.check(command_line.contains("bootcheck.cmdline=ok"), "cmdline_text",
        "no bootcheck.cmdline=ok in the %zu bytes at 0x%lx", command_line.size(), params.command_line_address());
}

void check_e820(Report& report, const BootInfo& boot)
{
    const BootParams& params = boot.boot_params;
    size_t count = params.e820_count();
    if (!report.check(count > 0, "e820_present", "e820_entries is 0"))
        return;

    size_t bad = first_unordered_e820_entry(params);
    if (bad == count)
        report.pass("e820_sorted");
    else
        report.fail("e820_sorted", "entry %zu [0x%lx, +0x%lx) wraps or starts before the previous one ends", bad,
            params.e820_entry(bad).address, params.e820_entry(bad).size);

    report.check(ram_contains(params, 0, 1), "e820_low_ram", "no RAM entry at address 0");
    report.check(ram_contains(params, boot.image.start, boot.image.end), "e820_image_ram",
        "no RAM entry holds the image [0x%lx, 0x%lx)", boot.image.start, boot.image.end);

    CommandLineValue mem_mb = find_parameter(params.command_line(), "bootcheck.mem_mb");
    if (!mem_mb.found)
        return;
    uint64_t megabytes = 0;
    if (!parse_unsigned(mem_mb.value, 10, megabytes) || megabytes == 0) {
        report.fail("e820_ram_total", "bootcheck.mem_mb is not a positive decimal number");
        return;
    }
    uint64_t total = 0;
    for (size_t i = 0; i < count; ++i) {
        E820Entry entry = params.e820_entry(i);
        if (E820Type(entry.type) == E820Type::Ram)
            total += entry.size;
    }
    uint64_t expected = megabytes * mib;
    report.check(total <= expected && total >= expected - mib, "e820_ram_total", "RAM totals 0x%lx bytes, expected %lu MiB",
        total, megabytes);
}

void check_initrd(Report& report, const BootInfo& boot)
{
    const BootParams& params = boot.boot_params;
    StringView command_line = params.command_line();
    CommandLineValue size_parameter = find_parameter(command_line, "bootcheck.initrd_size");
    CommandLineValue crc_parameter = find_parameter(command_line, "bootcheck.initrd_crc32");
    uint64_t address = params.ramdisk_address();
    uint64_t size = params.ramdisk_size();
    if (!size_parameter.found && !crc_parameter.found) {
        report.check(size == 0, "initrd_absent", "ramdisk_size is %lu with no initrd given", size);
        return;
    }

    uint64_t expected_size = 0;
    uint64_t expected_crc = 0;
    bool parameters_valid = parse_unsigned(size_parameter.value, 10, expected_size)
        && parse_unsigned(crc_parameter.value, 16, expected_crc) && expected_crc <= UINT32_MAX;
    if (!report.check(parameters_valid, "initrd_parameters",
            "need bootcheck.initrd_size=<decimal> and bootcheck.initrd_crc32=<hex>"))
        return;

    report.check(size == expected_size && address != 0, "initrd_size", "ramdisk at 0x%lx of %lu bytes, expected %lu bytes",
        address, size, expected_size);
    bool in_ram = size != 0 && address + size > address && ram_contains(params, address, address + size);
    report.check(in_ram, "initrd_in_ram", "[0x%lx, 0x%lx) is not inside one e820 RAM entry", address, address + size);
    bool placed = address % page_size == 0 && address + size - 1 <= built_initrd_addr_max
        && (address >= boot.image.end || address + size <= boot.image.start);
    report.check(placed, "initrd_placement",
        "[0x%lx, 0x%lx) must be page-aligned, end below 0x%x and miss the image [0x%lx, 0x%lx)", address, address + size,
        built_initrd_addr_max, boot.image.start, boot.image.end);
    if (!in_ram || address + size > identity_mapped_limit) {
        report.fail("initrd_crc32", "not computed: the initrd is not in mapped RAM");
        return;
    }
    uint32_t crc = crc32(reinterpret_cast<const uint8_t*>(address), size);
    report.check(crc == expected_crc, "initrd_crc32", "crc32 %08x, expected %08lx", crc, expected_crc);
}

}

int guest_main(const BootInfo& boot)
{
    Report report;
    check_header(report, boot);
    check_entry(report, boot);
    check_command_line(report, boot.boot_params);
    check_e820(report, boot);
    check_initrd(report, boot);
    return report.finish();
}

}
