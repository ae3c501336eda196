#include "devices/debug_exit.h"

#include "base/log.h"

namespace spicebox {

void DebugExit::io_read(uint64_t, std::span<uint8_t> data)
{
    set_io_value(data, 0);
}

void DebugExit::io_write(uint64_t, std::span<const uint8_t> data)
{
    int status = int(io_value(data) & 0xFF);
    LOG_INFO("debug-exit", "guest asked to exit with status %d", status);
    if (m_exit)
        m_exit(status);
}

} // namespace spicebox
