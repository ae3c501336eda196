#include "devices/cmos_rtc.h"

#include <algorithm>

namespace spicebox {

namespace {

enum class Port : uint64_t {
    Index = 0,
    Data = 1,
};
constexpr uint8_t nmi_mask_bit = 0x80;
constexpr uint8_t index_mask = 0x7F;

enum class Register : uint8_t {
    Seconds = 0x00,
    Minutes = 0x02,
    Hours = 0x04,
    DayOfWeek = 0x06,
    DayOfMonth = 0x07,
    Month = 0x08,
    Year = 0x09,
    StatusA = 0x0A,
    StatusB = 0x0B,
    StatusC = 0x0C,
    StatusD = 0x0D,
    // Memory sizes, named as SeaBIOS's src/hw/rtc.h names them.
    BaseMemoryLow = 0x15,
    BaseMemoryHigh = 0x16,
    ExtendedMemoryLow = 0x17, // the AT's copy of 0x30/0x31
    ExtendedMemoryHigh = 0x18,
    ExtMemLow = 0x30,
    ExtMemHigh = 0x31,
    Century = 0x32,
    ExtMem2Low = 0x34,
    ExtMem2High = 0x35,
    HighMemLow = 0x5B,
    HighMemMid = 0x5C,
    HighMemHigh = 0x5D,
    SmpCount = 0x5F,
};

namespace status_a {
constexpr uint8_t update_in_progress = 0x80;
constexpr uint8_t power_on = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
}

namespace status_b {
constexpr uint8_t binary = 0x04;
constexpr uint8_t hours_24 = 0x02;
constexpr uint8_t power_on = hours_24; // BCD, 24-hour, no interrupts
}

namespace status_d {
constexpr uint8_t valid_ram = 0x80;
}

constexpr uint8_t pm_bit = 0x80;

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;

uint8_t reg(Register r)
{
    return uint8_t(r);
}

} // namespace

CmosRtc::CmosRtc(uint64_t ram_below_4g, uint64_t ram_above_4g, unsigned cpu_count, Clock clock)
    : m_clock(std::move(clock))
{
    m_cmos[reg(Register::StatusA)] = status_a::power_on;
    m_cmos[reg(Register::StatusB)] = status_b::power_on;
    set_memory_sizes(ram_below_4g, ram_above_4g, cpu_count);
}

// Same fields and units as QEMU's pc_cmos_init (hw/i386/pc.c; microvm's copy in
// hw/i386/microvm.c): 0x15/0x16 KiB of base memory, at most 640; 0x17/0x18 and 0x30/0x31 KiB
// between 1 MiB and the top of low RAM, capped at 0xFFFF; 0x34/0x35 64 KiB units between 16 MiB and
// the top of low RAM, capped at 0xFFFF; 0x5B..0x5D 64 KiB units above 4 GiB; 0x5F CPUs - 1.
// SeaBIOS (src/fw/paravirt.c) takes low RAM as (0x34/0x35 << 16) + 16 MiB, falling back to
// 0x30/0x31 when that is 0, high RAM as 0x5B..0x5D << 16, and reads 0x5F + 1 as the CPU count.
void CmosRtc::set_memory_sizes(uint64_t ram_below_4g, uint64_t ram_above_4g, unsigned cpu_count)
{
    auto store16 = [this](Register low, Register high, uint64_t value) {
        value = std::min<uint64_t>(value, 0xFFFF);
        m_cmos[reg(low)] = uint8_t(value);
        m_cmos[reg(high)] = uint8_t(value >> 8);
    };
    store16(Register::BaseMemoryLow, Register::BaseMemoryHigh, std::min<uint64_t>(ram_below_4g / KiB, 640));
    uint64_t extended = ram_below_4g > 1 * MiB ? (ram_below_4g - 1 * MiB) / KiB : 0;
    store16(Register::ExtendedMemoryLow, Register::ExtendedMemoryHigh, extended);
    store16(Register::ExtMemLow, Register::ExtMemHigh, extended);
    uint64_t above_16m = ram_below_4g > 16 * MiB ? (ram_below_4g - 16 * MiB) / (64 * KiB) : 0;
    store16(Register::ExtMem2Low, Register::ExtMem2High, above_16m);
    uint64_t above_4g = ram_above_4g / (64 * KiB);
    m_cmos[reg(Register::HighMemLow)] = uint8_t(above_4g);
    m_cmos[reg(Register::HighMemMid)] = uint8_t(above_4g >> 8);
    m_cmos[reg(Register::HighMemHigh)] = uint8_t(above_4g >> 16);
    m_cmos[reg(Register::SmpCount)] = uint8_t(std::max(cpu_count, 1u) - 1);
}

void CmosRtc::io_read(uint64_t offset, std::span<uint8_t> data)
{
    std::lock_guard lock(m_mutex);
    for (size_t i = 0; i < data.size(); ++i) {
        // The index register is write-only; reading it floats the bus.
        data[i] = Port(offset + i) == Port::Data ? read_data() : 0xFF;
    }
}

void CmosRtc::io_write(uint64_t offset, std::span<const uint8_t> data)
{
    std::lock_guard lock(m_mutex);
    for (size_t i = 0; i < data.size(); ++i) {
        switch (Port(offset + i)) {
        case Port::Index:
            m_index = data[i] & index_mask;
            m_nmi_masked = data[i] & nmi_mask_bit;
            break;
        case Port::Data:
            write_data(data[i]);
            break;
        }
    }
}

bool CmosRtc::nmi_masked() const
{
    std::lock_guard lock(m_mutex);
    return m_nmi_masked;
}

uint8_t CmosRtc::read_data()
{
    auto time_field = [this](auto field) -> uint8_t {
        std::time_t now = m_clock();
        std::tm fields {};
        if (!gmtime_r(&now, &fields))
            return 0;
        return field(fields);
    };
    switch (Register(m_index)) {
    case Register::Seconds:
        return time_field([this](const std::tm& t) { return encode(t.tm_sec); });
    case Register::Minutes:
        return time_field([this](const std::tm& t) { return encode(t.tm_min); });
    case Register::Hours:
        return time_field([this](const std::tm& t) { return encode_hours(t.tm_hour); });
    case Register::DayOfWeek:
        return time_field([this](const std::tm& t) { return encode(t.tm_wday + 1); });
    case Register::DayOfMonth:
        return time_field([this](const std::tm& t) { return encode(t.tm_mday); });
    case Register::Month:
        return time_field([this](const std::tm& t) { return encode(t.tm_mon + 1); });
    case Register::Year:
        return time_field([this](const std::tm& t) { return encode(unsigned(t.tm_year + 1900) % 100); });
    case Register::Century:
        return time_field([this](const std::tm& t) { return encode(unsigned(t.tm_year + 1900) / 100 % 100); });
    case Register::StatusA:
        return m_cmos[m_index] & ~status_a::update_in_progress;
    case Register::StatusC:
        return 0; // no interrupt flags: nothing raises IRQ8
    case Register::StatusD:
        return status_d::valid_ram;
    default:
        return m_cmos[m_index];
    }
}

void CmosRtc::write_data(uint8_t value)
{
    switch (Register(m_index)) {
    case Register::Seconds:
    case Register::Minutes:
    case Register::Hours:
    case Register::DayOfWeek:
    case Register::DayOfMonth:
    case Register::Month:
    case Register::Year:
    case Register::Century:
    case Register::StatusC:
    case Register::StatusD:
        return;
    case Register::StatusA:
        m_cmos[m_index] = value & ~status_a::update_in_progress;
        return;
    default:
        m_cmos[m_index] = value;
        return;
    }
}

uint8_t CmosRtc::encode(unsigned value) const
{
    if (m_cmos[reg(Register::StatusB)] & status_b::binary)
        return uint8_t(value);
    return uint8_t((value / 10 % 10) << 4 | value % 10);
}

uint8_t CmosRtc::encode_hours(unsigned hours) const
{
    if (m_cmos[reg(Register::StatusB)] & status_b::hours_24)
        return encode(hours);
    // 12-hour mode: 12, 1..11 with bit 7 marking PM, in either number format.
    unsigned on_dial = hours % 12 == 0 ? 12 : hours % 12;
    return encode(on_dial) | (hours >= 12 ? pm_bit : 0);
}

} // namespace spicebox
