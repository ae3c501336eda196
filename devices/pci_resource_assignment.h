// What firmware does for PCI before an OS runs, for direct boot (no firmware): size every BAR of every
// function on bus 0 through configuration mechanism #1, give each an address in the machine's PCI windows
// (memory BARs largest first, each aligned to its size; 64-bit BARs below 4 GiB too; I/O BARs likewise in
// the port window), and turn on I/O and memory decoding for the functions that have such BARs. Expansion
// ROMs stay unassigned (nothing runs them). Linux keeps what it finds. With firmware (SeaBIOS) this is not
// called: the firmware assigns BARs itself.
#pragma once

#include "base/result.h"
#include "devices/io_device.h"

#include <cstdint>

namespace spicebox {

struct PciWindows {
    uint64_t memory_start; // [memory_start, memory_end): 32-bit memory space for BARs
    uint64_t memory_end;
    uint16_t io_start; // [io_start, io_end): port space for I/O BARs
    uint32_t io_end;
};

// `config_ports` is the host bridge's CONFIG_ADDRESS/CONFIG_DATA face (offset 0 = 0xCF8, 4 = 0xCFC).
// Fails if the BARs do not fit the windows (nothing is half-assigned then: decoding stays off).
Result<void> assign_pci_resources(IoDevice& config_ports, const PciWindows& windows);

} // namespace spicebox
