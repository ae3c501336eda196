#include "runtime/boot_info.h"

namespace spicebox::guest {

uint64_t BootParams::command_line_address() const
{
    return uint64_t(read<uint32_t>(zero_page::ext_cmd_line_ptr)) << 32 | read<uint32_t>(zero_page::cmd_line_ptr);
}

StringView c_string_at(uint64_t address, size_t limit)
{
    if (address == 0)
        return {};
    auto text = reinterpret_cast<const char*>(address);
    size_t length = 0;
    while (length < limit && text[length] != '\0')
        ++length;
    return StringView(text, length);
}

StringView BootParams::command_line() const { return c_string_at(command_line_address(), max_command_line); }

uint64_t BootParams::ramdisk_address() const
{
    return uint64_t(read<uint32_t>(zero_page::ext_ramdisk_image)) << 32 | read<uint32_t>(zero_page::ramdisk_image);
}

uint64_t BootParams::ramdisk_size() const
{
    return uint64_t(read<uint32_t>(zero_page::ext_ramdisk_size)) << 32 | read<uint32_t>(zero_page::ramdisk_size);
}

size_t BootParams::e820_count() const
{
    size_t count = read<uint8_t>(zero_page::e820_entries);
    return count < zero_page::e820_max_entries ? count : zero_page::e820_max_entries;
}

E820Entry BootParams::e820_entry(size_t index) const
{
    size_t offset = zero_page::e820_table + index * zero_page::e820_entry_size;
    return { read<uint64_t>(offset), read<uint64_t>(offset + 8), read<uint32_t>(offset + 16) };
}

StringView HvmStartInfo::command_line() const
{
    return c_string_at(read<uint64_t>(hvm_start_info::cmdline_paddr), BootParams::max_command_line);
}

size_t HvmStartInfo::memory_map_count() const
{
    if (read<uint32_t>(hvm_start_info::version) < hvm_start_info::first_version_with_memmap)
        return 0;
    size_t count = read<uint32_t>(hvm_start_info::memmap_entries);
    return count < max_memory_map_entries ? count : max_memory_map_entries;
}

E820Entry HvmStartInfo::memory_map_entry(size_t index) const
{
    uint64_t entry = read<uint64_t>(hvm_start_info::memmap_paddr) + index * hvm_start_info::memmap_entry_size;
    return { read_unaligned<uint64_t>(entry), read_unaligned<uint64_t>(entry + 8), read_unaligned<uint32_t>(entry + 16) };
}

}
