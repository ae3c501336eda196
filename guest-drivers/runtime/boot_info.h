// What the VMM handed the guest: the Linux zero page (boot_params) whose address arrived in RSI,
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

// Read-only accessors over the zero page; every read copies bytes, so no alignment is assumed.
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
    T read(size_t offset) const
    {
        T value;
        __builtin_memcpy(&value, reinterpret_cast<const uint8_t*>(m_address) + offset, sizeof(T));
        return value;
    }

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
    BootParams boot_params;
    EntryState entry;
    ImageExtent image;
};

}
