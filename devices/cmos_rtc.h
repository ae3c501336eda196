// The MC146818 real-time clock and its 128 bytes of CMOS RAM: index port 0x70 (bit 7 masks NMI),
// data port 0x71; the machine maps base 0x70, size 2.
//
// Time and date are computed from the injected clock (UTC, the assumption of Linux guests on
// virtual machines) at each read, in the format status register B asks for (BCD or binary,
// 12 or 24 hours). The guest cannot set the clock: writes to the time registers are ignored.
// UIP in status A always reads 0 (an update is never in progress), so guests waiting for it to
// clear never spin; a guest reading across a second boundary sees the seconds change and retries,
// as it would on hardware. No IRQ8: periodic, alarm and update interrupts are not raised, but
// status A, B and the alarm registers store what the guest writes.
//
// The memory-size bytes are filled as QEMU's pc_cmos_init (hw/i386/pc.c) fills them, which is
// what SeaBIOS's qemu_preinit and qemu_cfg_e820 (src/fw/paravirt.c) read back: see cmos_rtc.cc.
#pragma once

#include "devices/io_device.h"

#include <array>
#include <cstdint>
#include <ctime>
#include <functional>
#include <mutex>

namespace spicebox {

class CmosRtc final : public IoDevice {
public:
    using Clock = std::function<std::time_t()>;

    CmosRtc(uint64_t ram_below_4g, uint64_t ram_above_4g, unsigned cpu_count, Clock clock = [] { return std::time(nullptr); });

    void io_read(uint64_t offset, std::span<uint8_t> data) override;
    void io_write(uint64_t offset, std::span<const uint8_t> data) override;
    std::string_view io_name() const override { return "cmos-rtc"; }

    bool nmi_masked() const;

private:
    uint8_t read_data();
    void write_data(uint8_t value);
    uint8_t encode(unsigned value) const;
    uint8_t encode_hours(unsigned hours) const;
    void set_memory_sizes(uint64_t ram_below_4g, uint64_t ram_above_4g, unsigned cpu_count);

    mutable std::mutex m_mutex;
    Clock m_clock;
    std::array<uint8_t, 128> m_cmos {};
    uint8_t m_index { 0 };
    bool m_nmi_masked { false };
};

} // namespace spicebox
