// The one checked gateway into guest-physical memory: a range in, a span out, or an error.
// Regions are host mappings (RAM banks, later device BARs) registered at guest-physical addresses;
// a range must lie wholly inside one region.
#pragma once

#include "base/result.h"

#include <cstdint>
#include <cstring>
#include <mutex>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

namespace spicebox {

class GuestMemory {
public:
    struct Region {
        uint64_t guest_address;
        std::span<uint8_t> host;
        std::string name;
    };

    GuestMemory() = default;
    GuestMemory(const GuestMemory&) = delete;
    GuestMemory& operator=(const GuestMemory&) = delete;

    // Fails if the region overlaps one already present.
    Result<void> add_region(uint64_t guest_address, std::span<uint8_t> host, std::string name);
    Result<void> remove_region(const std::string& name);

    // The host bytes behind [address, address + length), or an error naming the range.
    Result<std::span<uint8_t>> span(uint64_t address, uint64_t length) const;

    Result<void> read(uint64_t address, std::span<uint8_t> out) const;
    Result<void> write(uint64_t address, std::span<const uint8_t> in) const;

    // Copies a trivially copyable object out of guest memory (the one copy a parser works on).
    template<typename T>
    Result<T> read_object(uint64_t address) const
    {
        static_assert(std::is_trivially_copyable_v<T>);
        T object;
        TRY(read(address, std::span(reinterpret_cast<uint8_t*>(&object), sizeof(T))));
        return object;
    }

    template<typename T>
    Result<void> write_object(uint64_t address, const T& object) const
    {
        static_assert(std::is_trivially_copyable_v<T>);
        return write(address, std::span(reinterpret_cast<const uint8_t*>(&object), sizeof(T)));
    }

    std::vector<Region> regions() const;

private:
    mutable std::mutex m_mutex;
    std::vector<Region> m_regions;
};

} // namespace spicebox
