#include "devices/io_bus.h"

#include "base/log.h"

#include <cinttypes>
#include <cstring>
#include <mutex>

namespace spicebox {

Result<void> IoBus::map(uint64_t base, uint64_t size, std::shared_ptr<IoDevice> device)
{
    if (size == 0 || base + size < base)
        return Error { m_name + ": empty or wrapping range for " + std::string(device->io_name()) };
    std::unique_lock lock(m_mutex);
    auto next = m_mappings.lower_bound(base);
    if (next != m_mappings.end() && next->first < base + size)
        return Error { m_name + ": " + std::string(device->io_name()) + " overlaps " + std::string(next->second.device->io_name()) };
    if (next != m_mappings.begin()) {
        auto previous = std::prev(next);
        if (previous->first + previous->second.size > base)
            return Error { m_name + ": " + std::string(device->io_name()) + " overlaps " + std::string(previous->second.device->io_name()) };
    }
    m_mappings.emplace(base, Mapping { size, std::move(device) });
    return {};
}

void IoBus::unmap(uint64_t base)
{
    std::unique_lock lock(m_mutex);
    m_mappings.erase(base);
}

bool IoBus::find(uint64_t address, uint64_t length, std::shared_ptr<IoDevice>& device, uint64_t& offset) const
{
    std::shared_lock lock(m_mutex);
    auto it = m_mappings.upper_bound(address);
    if (it == m_mappings.begin())
        return false;
    --it;
    uint64_t end = it->first + it->second.size;
    if (address >= end || length > end - address)
        return false;
    device = it->second.device;
    offset = address - it->first;
    return true;
}

bool IoBus::read(uint64_t address, std::span<uint8_t> data)
{
    std::shared_ptr<IoDevice> device;
    uint64_t offset = 0;
    if (!find(address, data.size(), device, offset)) {
        if (m_unmapped++ == 0)
            LOG_DEBUG("bus", "%s: first unmapped read at 0x%" PRIx64, m_name.c_str(), address);
        std::memset(data.data(), m_unmapped_read_byte, data.size());
        return false;
    }
    device->io_read(offset, data);
    return true;
}

bool IoBus::write(uint64_t address, std::span<const uint8_t> data)
{
    std::shared_ptr<IoDevice> device;
    uint64_t offset = 0;
    if (!find(address, data.size(), device, offset)) {
        if (m_unmapped++ == 0)
            LOG_DEBUG("bus", "%s: first unmapped write at 0x%" PRIx64, m_name.c_str(), address);
        return false;
    }
    device->io_write(offset, data);
    return true;
}

} // namespace spicebox
