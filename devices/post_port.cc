#include "devices/post_port.h"

#include "base/log.h"

namespace spicebox {

void PostPort::io_read(uint64_t, std::span<uint8_t> data)
{
    set_io_value(data, last_code());
}

void PostPort::io_write(uint64_t, std::span<const uint8_t> data)
{
    if (data.empty())
        return;
    m_last_code.store(data[0], std::memory_order_relaxed);
    LOG_DEBUG("post", "code 0x%02x", data[0]);
}

} // namespace spicebox
