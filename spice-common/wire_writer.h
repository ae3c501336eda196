// Building SPICE wire data: little-endian integers and packed protocol structs appended to a byte
// vector, plus patching a 32-bit field (a size or an offset) once what it describes is known.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>
#include <vector>

namespace spicebox {

static_assert(std::endian::native == std::endian::little, "SPICE wire structs are written in place: a little-endian host is assumed");

class WireWriter {
public:
    explicit WireWriter(std::vector<uint8_t>& out) : m_out(out) { }

    size_t size() const { return m_out.size(); }

    // An integer or a packed spice-protocol struct, as its bytes.
    template<typename T>
    void put(const T& value)
    {
        static_assert(std::is_trivially_copyable_v<T>);
        auto at = m_out.size();
        m_out.resize(at + sizeof(T));
        std::memcpy(m_out.data() + at, &value, sizeof(T));
    }
    void put_u8(uint8_t value) { put(value); }
    void put_u16(uint16_t value) { put(value); }
    void put_u32(uint32_t value) { put(value); }
    void put_u64(uint64_t value) { put(value); }
    void put_i32(int32_t value) { put(value); }
    void put_bytes(std::span<const uint8_t> bytes) { m_out.insert(m_out.end(), bytes.begin(), bytes.end()); }
    // Appends `count` bytes and returns where they start, for the caller to fill in place.
    size_t grow(size_t count)
    {
        auto at = m_out.size();
        m_out.resize(at + count);
        return at;
    }
    uint8_t* data_at(size_t offset) { return m_out.data() + offset; }
    // Overwrites the 4 bytes at `offset`, which an earlier put wrote.
    void patch_u32(size_t offset, uint32_t value) { std::memcpy(m_out.data() + offset, &value, sizeof value); }

private:
    std::vector<uint8_t>& m_out;
};

} // namespace spicebox
