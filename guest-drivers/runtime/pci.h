// PCI configuration space of bus 0 through configuration mechanism #1 (ports 0xCF8/0xCFC), as ring-3
// drivers need it: find a function by its ids, read and write its registers, decode its BARs.
// Every access is two port exits.
#pragma once

#include <stdint.h>

namespace spicebox::guest::pci {

constexpr unsigned devices_per_bus = 32;

// Type-0 header registers.
namespace reg {
constexpr uint8_t id = 0x00;
constexpr uint8_t command = 0x04;
constexpr uint8_t class_revision = 0x08;
constexpr uint8_t bar0 = 0x10;
constexpr uint8_t subsystem = 0x2C;
constexpr uint8_t interrupt = 0x3C; // line (byte 0), pin (byte 1)
}

namespace command {
constexpr uint16_t io_space = 0x0001;
constexpr uint16_t memory_space = 0x0002;
constexpr uint16_t interrupt_disable = 0x0400;
}

// One function 0 on bus 0.
struct Function {
    unsigned device;
};

uint32_t read32(Function, uint8_t offset);
void write32(Function, uint8_t offset, uint32_t value);

// Function 0 of the first device on bus 0 with these ids; false when there is none.
bool find(uint16_t vendor, uint16_t device, Function& found);

struct Bar {
    bool io { false };
    uint64_t address { 0 }; // the port or memory address the BAR holds now
    uint64_t size { 0 };    // from the all-ones probe; 0 for an unimplemented BAR
};

// Decodes BAR `index` (0..5), probing its size with the usual write of all ones and restoring it.
// Decoding should be off while probing; read_bar() turns the function's decoding off and back on.
Bar read_bar(Function, unsigned index);

}
