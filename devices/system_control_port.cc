#include "devices/system_control_port.h"

#include "base/log.h"

namespace spicebox {

namespace {
constexpr uint8_t reset_bit = 0x01;
constexpr uint8_t a20_bit = 0x02;
}

void SystemControlPort::io_read(uint64_t, std::span<uint8_t> data)
{
    set_io_value(data, m_value.load());
}

void SystemControlPort::io_write(uint64_t, std::span<const uint8_t> data)
{
    if (data.empty())
        return;
    uint8_t value = data[0];
    uint8_t old = m_value.exchange(value);
    if ((old & a20_bit) && !(value & a20_bit))
        LOG_DEBUG("port92", "the guest masked A20, which KVM cannot do: it stays enabled");
    if ((value & reset_bit) && !(old & reset_bit))
        m_reset();
}

} // namespace spicebox
