// The fuzzer's bytes read front to back as a little program: integers little-endian, zeros once the
// input runs out, so every input is a valid program and the seed generator (make_corpus.cc) can write
// inputs with the same layout through FuzzProgram.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace spicebox::fuzz {

class FuzzInput {
public:
    FuzzInput(const uint8_t* data, size_t size) : m_data(data, size) { }

    bool at_end() const { return m_offset == m_data.size(); }
    size_t remaining() const { return m_data.size() - m_offset; }

    template<typename T>
    T take()
    {
        T value {};
        size_t count = std::min(sizeof(T), remaining());
        std::memcpy(&value, m_data.data() + m_offset, count);
        m_offset += count;
        return value;
    }
    uint8_t u8() { return take<uint8_t>(); }
    uint16_t u16() { return take<uint16_t>(); }
    uint32_t u32() { return take<uint32_t>(); }
    uint64_t u64() { return take<uint64_t>(); }

    // Up to `count` bytes (fewer at the end of the input).
    std::span<const uint8_t> bytes(size_t count)
    {
        auto taken = m_data.subspan(m_offset, std::min(count, remaining()));
        m_offset += taken.size();
        return taken;
    }
    std::span<const uint8_t> rest() { return bytes(remaining()); }

private:
    std::span<const uint8_t> m_data;
    size_t m_offset { 0 };
};

// The writing side of FuzzInput, for seeds.
class FuzzProgram {
public:
    template<typename T>
    FuzzProgram& put(const T& value)
    {
        size_t at = m_bytes.size();
        m_bytes.resize(at + sizeof(T));
        std::memcpy(m_bytes.data() + at, &value, sizeof(T));
        return *this;
    }
    FuzzProgram& u8(uint8_t value) { return put(value); }
    FuzzProgram& u16(uint16_t value) { return put(value); }
    FuzzProgram& u32(uint32_t value) { return put(value); }
    FuzzProgram& u64(uint64_t value) { return put(value); }
    FuzzProgram& bytes(std::span<const uint8_t> data)
    {
        m_bytes.insert(m_bytes.end(), data.begin(), data.end());
        return *this;
    }

    const std::vector<uint8_t>& data() const { return m_bytes; }

private:
    std::vector<uint8_t> m_bytes;
};

} // namespace spicebox::fuzz
