#include "vmm/guest_memory.h"

#include <algorithm>
#include <cinttypes>

namespace spicebox {

namespace {

bool overlaps(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size)
{
    return a < b + b_size && b < a + a_size;
}

std::string hex(uint64_t value)
{
    char text[24];
    std::snprintf(text, sizeof text, "0x%" PRIx64, value);
    return text;
}

} // namespace

Result<void> GuestMemory::add_region(uint64_t guest_address, std::span<uint8_t> host, std::string name)
{
    std::lock_guard lock(m_mutex);
    if (host.size() == 0 || guest_address + host.size() < guest_address)
        return Error { "memory region " + name + " has an invalid range" };
    for (auto& region : m_regions) {
        if (overlaps(guest_address, host.size(), region.guest_address, region.host.size()))
            return Error { "memory region " + name + " at " + hex(guest_address) + " overlaps " + region.name };
    }
    m_regions.push_back(Region { guest_address, host, std::move(name) });
    return {};
}

Result<void> GuestMemory::remove_region(const std::string& name)
{
    std::lock_guard lock(m_mutex);
    auto it = std::find_if(m_regions.begin(), m_regions.end(), [&](auto& r) { return r.name == name; });
    if (it == m_regions.end())
        return Error { "no memory region named " + name };
    m_regions.erase(it);
    return {};
}

Result<std::span<uint8_t>> GuestMemory::span(uint64_t address, uint64_t length) const
{
    std::lock_guard lock(m_mutex);
    if (address + length < address)
        return Error { "guest range at " + hex(address) + " wraps around" };
    for (auto& region : m_regions) {
        uint64_t start = region.guest_address;
        uint64_t size = region.host.size();
        if (address >= start && address - start <= size && length <= size - (address - start))
            return region.host.subspan(address - start, length);
    }
    return Error { "guest range " + hex(address) + "+" + hex(length) + " is outside guest memory" };
}

Result<void> GuestMemory::read(uint64_t address, std::span<uint8_t> out) const
{
    auto source = TRY(span(address, out.size()));
    std::memcpy(out.data(), source.data(), out.size());
    return {};
}

Result<void> GuestMemory::write(uint64_t address, std::span<const uint8_t> in) const
{
    auto target = TRY(span(address, in.size()));
    std::memcpy(target.data(), in.data(), in.size());
    return {};
}

std::vector<GuestMemory::Region> GuestMemory::regions() const
{
    std::lock_guard lock(m_mutex);
    return m_regions;
}

} // namespace spicebox
