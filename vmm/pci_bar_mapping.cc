#include "vmm/pci_bar_mapping.h"

#include "base/log.h"
#include "devices/pci_device.h"

#include <cinttypes>
#include <utility>

namespace spicebox {

namespace {

constexpr uint64_t kPortSpaceSize = 0x10000;

std::string region_name(const PciDevice& device, int bar)
{
    return device.name() + (bar == pci_rom_bar ? " ROM" : " BAR" + std::to_string(bar));
}

}

PciBarMapping::PciBarMapping(IoBus& ports, IoBus& mmio, GuestMemory& memory, MemorySlots& slots)
    : m_ports(ports)
    , m_mmio(mmio)
    , m_memory(memory)
    , m_slots(slots)
{
}

Result<PciBarMapping::Mapped> PciBarMapping::map(PciDevice& device, int bar, const PciBarInfo& info, uint64_t address)
{
    Mapped mapped { address, 0, false, false, {} };
    switch (info.kind) {
    case PciBarKind::Io:
        if (address >= kPortSpaceSize || info.size > kPortSpaceSize - address)
            return Error { "port range past 0xFFFF" };
        TRY(m_ports.map(address, info.size, info.handler));
        return mapped;
    case PciBarKind::Mmio:
        TRY(m_mmio.map(address, info.size, info.handler));
        return mapped;
    case PciBarKind::Memory: {
        mapped.region = region_name(device, bar);
        TRY(m_memory.add_region(address, info.memory, mapped.region));
        auto slot = m_slots.add_memory(address, info.memory, { .log_dirty = info.log_dirty, .read_only = info.read_only });
        if (!slot) {
            [[maybe_unused]] auto removed = m_memory.remove_region(mapped.region);
            return std::move(slot).error();
        }
        mapped.slot = *slot;
        mapped.log_dirty = info.log_dirty;
        return mapped;
    }
    }
    return Error { "unknown BAR kind" };
}

void PciBarMapping::bar_mapped(PciDevice& device, int bar, const PciBarInfo& info, uint64_t address)
{
    std::lock_guard lock(m_mutex);
    auto mapped = map(device, bar, info, address);
    if (!mapped) {
        LOG_WARN("pci", "%s at 0x%" PRIx64 " left unmapped: %s", region_name(device, bar).c_str(), address, mapped.error().message.c_str());
        return;
    }
    LOG_DEBUG("pci", "%s mapped at 0x%" PRIx64, region_name(device, bar).c_str(), address);
    m_mapped[{ &device, bar }] = std::move(*mapped);
}

void PciBarMapping::bar_unmapped(PciDevice& device, int bar, const PciBarInfo& info, uint64_t)
{
    std::lock_guard lock(m_mutex);
    auto it = m_mapped.find({ &device, bar });
    if (it == m_mapped.end())
        return;
    auto& mapped = it->second;
    switch (info.kind) {
    case PciBarKind::Io:
        m_ports.unmap(mapped.address);
        break;
    case PciBarKind::Mmio:
        m_mmio.unmap(mapped.address);
        break;
    case PciBarKind::Memory:
        if (auto removed = m_slots.remove_memory(mapped.slot); !removed)
            LOG_ERROR("pci", "%s: %s", mapped.region.c_str(), removed.error().message.c_str());
        [[maybe_unused]] auto removed = m_memory.remove_region(mapped.region);
        break;
    }
    m_mapped.erase(it);
}

bool PciBarMapping::take_dirty_pages(PciDevice& device, int bar, std::span<uint64_t> bitmap)
{
    std::lock_guard lock(m_mutex);
    auto it = m_mapped.find({ &device, bar });
    if (it == m_mapped.end() || !it->second.log_dirty)
        return false;
    if (auto taken = m_slots.take_dirty_log(it->second.slot, bitmap); !taken) {
        // The caller falls back to treating every page as written; say so once per mapping, not per frame.
        if (!std::exchange(it->second.dirty_log_failed, true))
            LOG_WARN("pci", "%s: %s", it->second.region.c_str(), taken.error().message.c_str());
        return false;
    }
    return true;
}

} // namespace spicebox
