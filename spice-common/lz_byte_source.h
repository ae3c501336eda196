// The byte stream of the SPICE LZ family (LZ and GLZ): bounds-checked reads of bytes and of the
// big-endian words their headers use. `codec` names the format in the error.
#pragma once

#include "base/result.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace spicebox {

class LzByteSource {
public:
    LzByteSource(std::span<const uint8_t> data, const char* codec) : m_data(data), m_codec(codec) { }

    Result<uint8_t> u8()
    {
        if (m_offset == m_data.size())
            return Error { std::string(m_codec) + ": stream ends early" };
        return m_data[m_offset++];
    }
    Result<uint32_t> be32()
    {
        uint32_t value = 0;
        for (int i = 0; i < 4; ++i)
            value = value << 8 | TRY(u8());
        return value;
    }
    Result<uint64_t> be64()
    {
        uint64_t high = TRY(be32());
        return high << 32 | TRY(be32());
    }

private:
    std::span<const uint8_t> m_data;
    const char* m_codec;
    size_t m_offset { 0 };
};

} // namespace spicebox
