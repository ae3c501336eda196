// What a PCI device declares for each BAR, and the interface through which it asks the machine to
// put a BAR's range into the guest's address spaces when the guest programs it.
#pragma once

#include "devices/io_device.h"

#include <cstdint>
#include <memory>
#include <span>

namespace spicebox {

class PciDevice;

enum class PciBarKind {
    Io,     // a port range, trapped to `handler` on the PIO bus
    Mmio,   // a memory range, trapped to `handler` on the MMIO bus
    Memory, // host memory mapped into the guest as a KVM memory slot: guest accesses cause no exits
};

struct PciBarInfo {
    PciBarKind kind { PciBarKind::Mmio };
    uint64_t size { 0 };       // a power of two
    bool is_64bit { false };   // memory kinds only; takes this BAR register and the next
    bool prefetchable { false };
    bool read_only { false };  // Memory kind: map the slot read-only (expansion ROMs)
    bool log_dirty { false };  // Memory kind: track guest writes per page (framebuffers; see take_dirty_pages)
    std::shared_ptr<IoDevice> handler {}; // Io and Mmio: offsets are relative to the BAR's address
    std::span<uint8_t> memory {}; // Memory: exactly `size` bytes, page-aligned, owned by the device
};

// BAR numbers passed to the mapper: 0..5 for the BAR registers, this one for the expansion ROM.
inline constexpr int pci_rom_bar = 6;

// Implemented by the machine. Called on the vCPU thread that wrote the BAR or the command
// register, with that device's configuration lock held: an implementation must not access the
// device's configuration space. It reports its own failures (an overlap, a bad slot) by logging:
// the guest programmed the BAR, and the device model stays consistent either way.
class PciBarMapper {
public:
    virtual ~PciBarMapper() = default;
    virtual void bar_mapped(PciDevice&, int bar, const PciBarInfo&, uint64_t address) = 0;
    virtual void bar_unmapped(PciDevice&, int bar, const PciBarInfo&, uint64_t address) = 0;

    // For a mapped Memory BAR declared with log_dirty: sets bit n of `bitmap` (one bit per 4 KiB page of the
    // BAR, bit n of word n / 64) for every page the guest wrote since the previous call, and forgets them.
    // False when it cannot tell (BAR not mapped, no log): the caller then treats every page as written.
    // Called without the device's configuration lock, from any thread.
    virtual bool take_dirty_pages(PciDevice&, int /*bar*/, std::span<uint64_t> /*bitmap*/) { return false; }
};

} // namespace spicebox
