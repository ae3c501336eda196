#include "spice-common/wire_reader.h"

namespace spicebox {

Result<std::span<const uint8_t>> WireReader::read_bytes(size_t count, const char* what)
{
    if (count > remaining()) {
        return Error { std::string(what) + " is cut short: " + std::to_string(count) + " bytes needed at offset "
            + std::to_string(m_offset) + ", " + std::to_string(remaining()) + " left" };
    }
    auto bytes = m_data.subspan(m_offset, count);
    m_offset += count;
    return bytes;
}

Result<void> WireReader::skip(size_t count, const char* what)
{
    TRY(read_bytes(count, what));
    return {};
}

std::span<const uint8_t> WireReader::rest()
{
    auto bytes = m_data.subspan(m_offset);
    m_offset = m_data.size();
    return bytes;
}

Result<void> WireReader::expect_end(const char* what) const
{
    if (!at_end())
        return Error { std::string(what) + " has " + std::to_string(remaining()) + " bytes more than its layout" };
    return {};
}

} // namespace spicebox
