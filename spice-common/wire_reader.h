// Bounds-checked reading of SPICE wire data: little-endian integers and packed protocol structs taken
// from a byte span front to back. Every read checks the bytes are there first and fails with an Error
// naming what was cut short, so a parser never reads past a message it was given.
#pragma once

#include "base/result.h"

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>

namespace spicebox {

static_assert(std::endian::native == std::endian::little, "SPICE wire structs are read in place: a little-endian host is assumed");

class WireReader {
public:
    explicit WireReader(std::span<const uint8_t> data) : m_data(data) { }

    size_t offset() const { return m_offset; }
    size_t remaining() const { return m_data.size() - m_offset; }
    bool at_end() const { return remaining() == 0; }

    // An integer or a packed spice-protocol struct (its bytes as they are on the wire). `what` names it
    // in the error.
    template<typename T>
    Result<T> read(const char* what)
    {
        static_assert(std::is_trivially_copyable_v<T>);
        auto bytes = TRY(read_bytes(sizeof(T), what));
        T value;
        std::memcpy(&value, bytes.data(), sizeof(T));
        return value;
    }

    Result<std::span<const uint8_t>> read_bytes(size_t count, const char* what);
    Result<void> skip(size_t count, const char* what);
    // The rest of the data.
    std::span<const uint8_t> rest();
    // Fails when bytes are left over: a message longer than its layout.
    Result<void> expect_end(const char* what) const;

private:
    std::span<const uint8_t> m_data;
    size_t m_offset { 0 };
};

} // namespace spicebox
