#include "runtime/pci.h"

#include "runtime/io.h"

namespace spicebox::guest::pci {

namespace {

constexpr uint16_t config_address_port = 0xCF8;
constexpr uint16_t config_data_port = 0xCFC;
constexpr uint32_t config_enable = 0x80000000;
constexpr unsigned device_shift = 11;

constexpr uint32_t bar_io = 0x1;
constexpr uint32_t bar_type_mask = 0x6;
constexpr uint32_t bar_type_64 = 0x4;
constexpr uint32_t bar_io_address_mask = ~uint32_t(0x3);
constexpr uint32_t bar_memory_address_mask = ~uint32_t(0xF);
constexpr uint32_t port_space_mask = 0xFFFF;

uint32_t config_address(Function function, uint8_t offset)
{
    return config_enable | uint32_t(function.device) << device_shift | (offset & 0xFC);
}

}

uint32_t read32(Function function, uint8_t offset)
{
    outl(config_address_port, config_address(function, offset));
    return inl(config_data_port);
}

void write32(Function function, uint8_t offset, uint32_t value)
{
    outl(config_address_port, config_address(function, offset));
    outl(config_data_port, value);
}

bool find(uint16_t vendor, uint16_t device, Function& found)
{
    uint32_t wanted = uint32_t(device) << 16 | vendor;
    for (unsigned slot = 0; slot < devices_per_bus; ++slot) {
        if (read32(Function { slot }, reg::id) == wanted) {
            found = Function { slot };
            return true;
        }
    }
    return false;
}

Bar read_bar(Function function, unsigned index)
{
    uint8_t offset = uint8_t(reg::bar0 + 4 * index);
    uint32_t command_status = read32(function, reg::command);
    uint16_t command = uint16_t(command_status);
    write32(function, reg::command, command & ~(command::io_space | command::memory_space));

    uint32_t original = read32(function, offset);
    write32(function, offset, ~uint32_t(0));
    uint32_t probed = read32(function, offset);
    write32(function, offset, original);

    Bar bar;
    bar.io = original & bar_io;
    if (bar.io) {
        bar.address = original & bar_io_address_mask;
        uint32_t mask = probed & bar_io_address_mask & port_space_mask;
        bar.size = mask ? (~mask & port_space_mask) + 1 : 0;
    } else {
        uint64_t high = 0;
        uint64_t high_mask = ~uint64_t(0) << 32;
        if ((original & bar_type_mask) == bar_type_64 && index < 5) {
            uint8_t upper = uint8_t(offset + 4);
            high = read32(function, upper);
            write32(function, upper, ~uint32_t(0));
            high_mask = uint64_t(read32(function, upper)) << 32;
            write32(function, upper, uint32_t(high));
        }
        bar.address = high << 32 | (original & bar_memory_address_mask);
        uint64_t mask = high_mask | (probed & bar_memory_address_mask);
        bar.size = (probed & bar_memory_address_mask) ? ~mask + 1 : 0;
    }
    write32(function, reg::command, command);
    return bar;
}

}
