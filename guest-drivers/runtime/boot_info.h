// What the VMM handed the guest: the Linux zero page (boot_params) whose address arrived in RSI
// (spicebox), or the hvm_start_info whose address arrived in EBX at the PVH entry (QEMU -kernel),
// and the CPU state the runtime recorded at its entry point before changing anything.
#pragma once

#include "runtime/string_view.h"

#include <stddef.h>
#include <stdint.h>

namespace spicebox::guest {

// Offsets in the 4 KiB zero page (Linux Documentation/arch/x86/zero-page.rst and boot.rst).
namespace zero_page {
constexpr size_t ext_ramdisk_image = 0x0C0;
constexpr size_t ext_ramdisk_size = 0x0C4;
constexpr size_t ext_cmd_line_ptr = 0x0C8;
constexpr size_t e820_entries = 0x1E8;
constexpr size_t header = 0x202;
constexpr size_t version = 0x206;
constexpr size_t type_of_loader = 0x210;
constexpr size_t ramdisk_image = 0x218;
constexpr size_t ramdisk_size = 0x21C;
constexpr size_t cmd_line_ptr = 0x228;
constexpr size_t e820_table = 0x2D0;
constexpr size_t e820_entry_size = 20;
constexpr size_t e820_max_entries = 128;
constexpr uint32_t header_magic = 0x53726448; // "HdrS"
}

// Offsets in Xen's struct hvm_start_info (public/arch-x86/hvm/start_info.h), version 1, and in its
// memory map entries (struct hvm_memmap_table_entry).
namespace hvm_start_info {
constexpr size_t magic = 0x00;
constexpr size_t version = 0x04;
constexpr size_t cmdline_paddr = 0x18;
constexpr size_t memmap_paddr = 0x28;
constexpr size_t memmap_entries = 0x30;
constexpr size_t memmap_entry_size = 24;
constexpr uint32_t magic_value = 0x336EC578; // "xEn3"
constexpr uint32_t first_version_with_memmap = 1;
}

enum class BootProtocol : uint32_t {
    Linux64 = 0, // the 64-bit entry, RSI = the zero page
    Pvh = 1,     // the PVH entry, EBX = hvm_start_info
};

enum class E820Type : uint32_t {
    Ram = 1,
    Reserved = 2,
};

struct E820Entry {
    uint64_t address;
    uint64_t size;
    uint32_t type;

    uint64_t end() const { return address + size; }
};

// Copies a value out of guest memory byte by byte, so no alignment is assumed.
template<typename T>
T read_unaligned(uint64_t address)
{
    T value;
    __builtin_memcpy(&value, reinterpret_cast<const uint8_t*>(address), sizeof(T));
    return value;
}

// A NUL-terminated string at `address`, cut at `limit` bytes; empty when the address is zero.
StringView c_string_at(uint64_t address, size_t limit);

// Read-only accessors over the zero page.
class BootParams {
public:
    // Command lines longer than this are cut when read (Linux's own limit is 2048 bytes).
    static constexpr size_t max_command_line = 4096;

    explicit BootParams(uint64_t address) : m_address(address) { }

    uint64_t address() const { return m_address; }
    uint32_t header_magic() const { return read<uint32_t>(zero_page::header); }
    uint16_t protocol_version() const { return read<uint16_t>(zero_page::version); }
    uint8_t type_of_loader() const { return read<uint8_t>(zero_page::type_of_loader); }

    uint64_t command_line_address() const;
    // Empty when the command line pointer is zero.
    StringView command_line() const;

    uint64_t ramdisk_address() const;
    uint64_t ramdisk_size() const;

    // At most e820_max_entries, whatever the count field says.
    size_t e820_count() const;
    E820Entry e820_entry(size_t index) const;

private:
    template<typename T>
    T read(size_t offset) const { return read_unaligned<T>(m_address + offset); }

    uint64_t m_address;
};

// Read-only accessors over a PVH hvm_start_info: the command line and the memory map as E820 entries.
class HvmStartInfo {
public:
    // As many map entries as a zero page holds; the rest are not read.
    static constexpr size_t max_memory_map_entries = zero_page::e820_max_entries;

    explicit HvmStartInfo(uint64_t address) : m_address(address) { }

    uint64_t address() const { return m_address; }
    bool valid() const { return read<uint32_t>(hvm_start_info::magic) == hvm_start_info::magic_value; }

    StringView command_line() const;
    size_t memory_map_count() const;
    E820Entry memory_map_entry(size_t index) const;

private:
    template<typename T>
    T read(size_t offset) const { return read_unaligned<T>(m_address + offset); }

    uint64_t m_address;
};

// The state the VMM entered the runtime with.
struct EntryState {
    uint64_t address;
    uint16_t code_selector;
    uint64_t cr0;
    uint64_t cr4;
    uint64_t efer;
};

// The guest-physical bytes this guest occupies: code, data, bss and stacks.
struct ImageExtent {
    uint64_t start;
    uint64_t end;
};

struct BootInfo {
    BootProtocol protocol;
    // The hand-off structure's address read through the protocol's layout: boot_params is valid
    // for Linux64, start_info for Pvh.
    BootParams boot_params;
    HvmStartInfo start_info;
    EntryState entry;
    ImageExtent image;

    StringView command_line() const
    {
        return protocol == BootProtocol::Pvh ? start_info.command_line() : boot_params.command_line();
    }
    size_t memory_map_count() const
    {
        return protocol == BootProtocol::Pvh ? start_info.memory_map_count() : boot_params.e820_count();
    }
    E820Entry memory_map_entry(size_t index) const
    {
        return protocol == BootProtocol::Pvh ? start_info.memory_map_entry(index) : boot_params.e820_entry(index);
    }
};

}
