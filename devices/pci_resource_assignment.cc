#include "devices/pci_resource_assignment.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace spicebox {

namespace {

constexpr uint32_t config_enable = 0x80000000;
constexpr uint64_t config_address_port = 0;
constexpr uint64_t config_data_port = 4;
constexpr unsigned slots = 32;
constexpr unsigned functions = 8;
constexpr unsigned bars = 6;
constexpr uint16_t absent_vendor = 0xFFFF;

enum ConfigOffset : uint8_t {
    VendorId = 0x00,
    Command = 0x04,
    HeaderType = 0x0E,
    Bar0 = 0x10,
};
constexpr uint8_t header_multifunction = 0x80;
constexpr uint16_t command_io = 0x1;
constexpr uint16_t command_memory = 0x2;
constexpr uint32_t bar_io = 0x1;
constexpr uint32_t bar_type_mask = 0x6;
constexpr uint32_t bar_type_64bit = 0x4;
constexpr uint32_t io_address_mask = ~uint32_t(0x3);
constexpr uint32_t memory_address_mask = ~uint32_t(0xF);
constexpr uint32_t io_space_limit = 0x10000;

struct Bar {
    unsigned slot;
    unsigned function;
    unsigned index;
    bool io;
    bool is_64bit;
    uint64_t size;
};

class ConfigSpace {
public:
    explicit ConfigSpace(IoDevice& ports) : m_ports(ports) { }

    uint32_t read(unsigned slot, unsigned function, uint8_t offset)
    {
        select(slot, function, offset);
        uint8_t data[4];
        m_ports.io_read(config_data_port, data);
        return uint32_t(io_value(data));
    }
    void write(unsigned slot, unsigned function, uint8_t offset, uint32_t value)
    {
        select(slot, function, offset);
        uint8_t data[4];
        set_io_value(data, value);
        m_ports.io_write(config_data_port, data);
    }

private:
    void select(unsigned slot, unsigned function, uint8_t offset)
    {
        uint8_t address[4];
        set_io_value(address, config_enable | slot << 11 | function << 8 | (offset & 0xFC));
        m_ports.io_write(config_address_port, address);
    }
    IoDevice& m_ports;
};

// Sizes one BAR the way firmware does: write all ones, read back the mask, restore.
std::optional<Bar> size_bar(ConfigSpace& config, unsigned slot, unsigned function, unsigned index)
{
    uint8_t offset = uint8_t(Bar0 + 4 * index);
    uint32_t original = config.read(slot, function, offset);
    config.write(slot, function, offset, 0xFFFFFFFF);
    uint32_t mask = config.read(slot, function, offset);
    config.write(slot, function, offset, original);
    if (mask == 0)
        return {};
    Bar bar { slot, function, index, bool(mask & bar_io), false, 0 };
    if (bar.io) {
        uint32_t size = ~(mask & io_address_mask) + 1;
        bar.size = size & (io_space_limit - 1);
        return bar.size ? std::optional<Bar>(bar) : std::nullopt;
    }
    uint64_t address_mask = mask & memory_address_mask;
    if ((mask & bar_type_mask) == bar_type_64bit && index + 1 < bars) {
        bar.is_64bit = true;
        uint8_t high_offset = uint8_t(offset + 4);
        uint32_t high_original = config.read(slot, function, high_offset);
        config.write(slot, function, high_offset, 0xFFFFFFFF);
        address_mask |= uint64_t(config.read(slot, function, high_offset)) << 32;
        config.write(slot, function, high_offset, high_original);
    } else {
        address_mask |= 0xFFFFFFFF00000000ull;
    }
    bar.size = ~address_mask + 1;
    return bar.size ? std::optional<Bar>(bar) : std::nullopt;
}

// Places `bars` (sorted largest first) from `start`, each aligned to its size; false if past `end`.
bool place(std::vector<Bar>& bars_of_kind, uint64_t start, uint64_t end, std::vector<uint64_t>& addresses)
{
    uint64_t next = start;
    for (const Bar& bar : bars_of_kind) {
        uint64_t address = (next + bar.size - 1) / bar.size * bar.size;
        if (address + bar.size > end || address + bar.size < address)
            return false;
        addresses.push_back(address);
        next = address + bar.size;
    }
    return true;
}

}

Result<void> assign_pci_resources(IoDevice& config_ports, const PciWindows& windows)
{
    ConfigSpace config(config_ports);
    std::vector<Bar> memory_bars;
    std::vector<Bar> io_bars;
    for (unsigned slot = 0; slot < slots; ++slot) {
        for (unsigned function = 0; function < functions; ++function) {
            if ((config.read(slot, function, VendorId) & 0xFFFF) == absent_vendor) {
                if (function == 0)
                    break;
                continue;
            }
            for (unsigned index = 0; index < bars; ++index) {
                auto bar = size_bar(config, slot, function, index);
                if (!bar)
                    continue;
                (bar->io ? io_bars : memory_bars).push_back(*bar);
                if (bar->is_64bit)
                    ++index;
            }
            bool multifunction = (config.read(slot, function, HeaderType & 0xFC) >> 16) & header_multifunction;
            if (function == 0 && !multifunction)
                break;
        }
    }

    auto largest_first = [](const Bar& a, const Bar& b) { return a.size > b.size; };
    std::stable_sort(memory_bars.begin(), memory_bars.end(), largest_first);
    std::stable_sort(io_bars.begin(), io_bars.end(), largest_first);
    std::vector<uint64_t> memory_addresses;
    std::vector<uint64_t> io_addresses;
    if (!place(memory_bars, windows.memory_start, windows.memory_end, memory_addresses))
        return Error { "PCI memory BARs do not fit the PCI hole" };
    if (!place(io_bars, windows.io_start, windows.io_end, io_addresses))
        return Error { "PCI I/O BARs do not fit the port window" };

    auto program = [&config](const Bar& bar, uint64_t address) {
        uint8_t offset = uint8_t(Bar0 + 4 * bar.index);
        config.write(bar.slot, bar.function, offset, uint32_t(address));
        if (bar.is_64bit)
            config.write(bar.slot, bar.function, uint8_t(offset + 4), uint32_t(address >> 32));
        uint32_t command = config.read(bar.slot, bar.function, Command) & 0xFFFF;
        config.write(bar.slot, bar.function, Command, command | (bar.io ? command_io : command_memory));
    };
    for (size_t i = 0; i < memory_bars.size(); ++i)
        program(memory_bars[i], memory_addresses[i]);
    for (size_t i = 0; i < io_bars.size(); ++i)
        program(io_bars[i], io_addresses[i]);
    return {};
}

} // namespace spicebox
