// Puts PCI BARs where the guest programs them: port and MMIO BARs on the I/O buses, memory BARs as
// memory slots (no exits on framebuffer or ring writes) that GuestMemory also knows, so device models
// reach them through the one checked gateway. A BAR that cannot go where the guest put it (overlapping
// RAM or another BAR, a port range past 64 KiB) stays unmapped and is logged: the guest's mistake, not ours.
#pragma once

#include "devices/io_bus.h"
#include "devices/pci_bar_mapper.h"
#include "vmm/guest_memory.h"
#include "vmm/memory_slots.h"

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace spicebox {

class PciBarMapping final : public PciBarMapper {
public:
    PciBarMapping(IoBus& ports, IoBus& mmio, GuestMemory&, MemorySlots&);

    // |PciBarMapper|
    void bar_mapped(PciDevice&, int bar, const PciBarInfo&, uint64_t address) override;
    void bar_unmapped(PciDevice&, int bar, const PciBarInfo&, uint64_t address) override;
    bool take_dirty_pages(PciDevice&, int bar, std::span<uint64_t> bitmap) override;

private:
    struct Mapped {
        uint64_t address;
        uint32_t slot;
        bool log_dirty;
        bool dirty_log_failed;
        std::string region;
    };
    using Key = std::pair<const PciDevice*, int>;
    Result<Mapped> map(PciDevice&, int bar, const PciBarInfo&, uint64_t address);

    IoBus& m_ports;
    IoBus& m_mmio;
    GuestMemory& m_memory;
    MemorySlots& m_slots;
    std::mutex m_mutex;
    std::map<Key, Mapped> m_mapped;
};

} // namespace spicebox
