// A device's face on an I/O bus: reads and writes at an offset inside the range it was mapped at.
// Handlers run on vCPU threads (possibly several at once): a device locks its own state.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace spicebox {

class IoDevice {
public:
    virtual ~IoDevice() = default;
    // Fill all of `data` (1, 2, 4 or 8 bytes, little-endian) with the value at `offset`.
    virtual void io_read(uint64_t offset, std::span<uint8_t> data) = 0;
    virtual void io_write(uint64_t offset, std::span<const uint8_t> data) = 0;
    virtual std::string_view io_name() const = 0;
};

// Little-endian helpers for handlers that treat an access as one integer.
inline uint64_t io_value(std::span<const uint8_t> data)
{
    uint64_t value = 0;
    for (size_t i = 0; i < data.size() && i < 8; ++i)
        value |= uint64_t(data[i]) << (8 * i);
    return value;
}

inline void set_io_value(std::span<uint8_t> data, uint64_t value)
{
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = i < 8 ? uint8_t(value >> (8 * i)) : 0;
}

} // namespace spicebox
