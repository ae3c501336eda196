#include "runtime/boot_info.h"

namespace spicebox::guest {

uint64_t BootParams::command_line_address() const
{
    return uint64_t(read<uint32_t>(zero_page::ext_cmd_line_ptr)) << 32 | read<uint32_t>(zero_page::cmd_line_ptr);
}

StringView BootParams::command_line() const
{
    uint64_t address = command_line_address();
    if (address == 0)
        return {};
    auto text = reinterpret_cast<const char*>(address);
    size_t length = 0;
    while (length < max_command_line && text[length] != '\0')
        ++length;
    return StringView(text, length);
}

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

}
