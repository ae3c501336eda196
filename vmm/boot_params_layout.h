// Named offsets into the Linux "zero page" (struct boot_params) and the setup header embedded in it
// at 0x1F1, from Documentation/arch/x86/zero-page.rst and boot.rst. The loaders build the page in a
// host buffer (ZeroPage) with these typed fields, then copy it into the guest in one write.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace spicebox::boot_params {

constexpr size_t size = 0x1000;
using ZeroPage = std::array<uint8_t, size>;

// A field's offset; its type gives its width, so a read or write can never use the wrong size.
template<typename T>
struct Field {
    uint32_t offset;
};

template<typename T>
T get(const ZeroPage& page, Field<T> field)
{
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, page.data() + field.offset, sizeof value);
    return value;
}

template<typename T>
void set(ZeroPage& page, Field<T> field, T value)
{
    std::memcpy(page.data() + field.offset, &value, sizeof value);
}

// struct boot_params, outside the setup header.
constexpr Field<uint32_t> ext_ramdisk_image { 0x0C0 };
constexpr Field<uint32_t> ext_ramdisk_size { 0x0C4 };
constexpr Field<uint32_t> ext_cmd_line_ptr { 0x0C8 };
constexpr Field<uint8_t> e820_entries { 0x1E8 };
constexpr uint32_t e820_table_offset = 0x2D0;
constexpr unsigned e820_table_capacity = 128;
constexpr uint32_t e820_entry_size = 20; // packed { u64 address; u64 size; u32 type; }

// The setup header: copied from the bzImage at the same offsets, from 0x1F1 up to 0x202 plus the
// byte at 0x201 (the operand of the short jump at 0x200 that skips the header).
constexpr uint32_t setup_header_offset = 0x1F1;
constexpr Field<uint8_t> setup_sects { 0x1F1 };
constexpr Field<uint32_t> syssize { 0x1F4 }; // protected-mode size in 16-byte paragraphs
constexpr Field<uint16_t> vid_mode { 0x1FA };
constexpr Field<uint16_t> boot_flag { 0x1FE };
constexpr Field<uint8_t> jump_displacement { 0x201 };
constexpr uint32_t jump_end_offset = 0x202;
constexpr Field<uint32_t> header { 0x202 };
constexpr Field<uint16_t> version { 0x206 };
constexpr Field<uint8_t> type_of_loader { 0x210 };
constexpr Field<uint8_t> loadflags { 0x211 };
constexpr Field<uint32_t> code32_start { 0x214 };
constexpr Field<uint32_t> ramdisk_image { 0x218 };
constexpr Field<uint32_t> ramdisk_size { 0x21C };
constexpr Field<uint32_t> cmd_line_ptr { 0x228 };
constexpr Field<uint32_t> initrd_addr_max { 0x22C };
constexpr Field<uint32_t> kernel_alignment { 0x230 };
constexpr Field<uint8_t> relocatable_kernel { 0x234 };
constexpr Field<uint16_t> xloadflags { 0x236 };
constexpr Field<uint32_t> cmdline_size { 0x238 };
constexpr Field<uint64_t> pref_address { 0x258 };
constexpr Field<uint32_t> init_size { 0x260 };
// First byte past the last field we read: a file must be at least this long to be looked at.
constexpr uint32_t setup_header_fields_end = 0x264;

constexpr uint16_t boot_flag_magic = 0xAA55;
constexpr uint32_t header_magic = 0x53726448; // "HdrS"
constexpr uint8_t setup_sects_default = 4;    // what setup_sects == 0 means
constexpr uint32_t sector_size = 512;
constexpr uint32_t syssize_unit = 16;
constexpr uint8_t loader_type_undefined = 0xFF;
constexpr uint16_t vid_mode_normal = 0xFFFF;  // NORMAL_VGA: keep the current (80x25) mode

// loadflags
constexpr uint8_t loaded_high = 1 << 0;
constexpr uint8_t can_use_heap = 1 << 7;

// xloadflags
constexpr uint16_t xlf_kernel_64 = 1 << 0;

// Protocol 2.12 introduced xloadflags, so it is the oldest one that can promise a 64-bit entry.
constexpr uint16_t minimum_64bit_version = 0x020C;
// The 64-bit entry point lies this far into the protected-mode code.
constexpr uint64_t entry_64_offset = 0x200;

} // namespace spicebox::boot_params
