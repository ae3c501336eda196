#include "qxl/apic.h"

#include "runtime/io.h"
#include "runtime/irq.h"

namespace spicebox::guest::apic {

namespace {

namespace lapic_reg {
constexpr uintptr_t spurious = 0x0F0;
constexpr uintptr_t lvt_timer = 0x320;
constexpr uintptr_t timer_initial_count = 0x380;
constexpr uintptr_t timer_current_count = 0x390;
constexpr uintptr_t timer_divide = 0x3E0;
}
constexpr uint32_t svr_enable = 0x100;
constexpr uint32_t spurious_vector = 0xFF;
constexpr uint32_t lvt_masked = 0x10000;
constexpr uint32_t divide_by_16 = 0x3;
constexpr uint64_t timer_divider = 16;

namespace ioapic_reg {
constexpr uintptr_t select = 0x00;
constexpr uintptr_t window = 0x10;
constexpr uint32_t redirection_table = 0x10;
}
constexpr uint32_t redirection_masked = 0x10000;
constexpr unsigned destination_shift = 24;
constexpr uint8_t boot_apic_id = 0;

constexpr uint64_t calibration_ticks = 2000000; // 2 ms at 1 GHz
constexpr uint64_t fallback_tsc_per_microsecond = 1000;
constexpr uint64_t plausible_tsc_min = 100;
constexpr uint64_t plausible_tsc_max = 10000;
// A timer that never counts down must not hang the calibration.
constexpr unsigned calibration_max_reads = 1000000;

volatile uint32_t& lapic(uintptr_t offset) { return *reinterpret_cast<volatile uint32_t*>(lapic_base + offset); }

void ioapic_write(uint32_t index, uint32_t value)
{
    *reinterpret_cast<volatile uint32_t*>(ioapic_base + ioapic_reg::select) = index;
    *reinterpret_cast<volatile uint32_t*>(ioapic_base + ioapic_reg::window) = value;
}

uint64_t g_tsc_per_microsecond = 0;

}

void enable_local_apic()
{
    uint32_t svr = lapic(lapic_reg::spurious);
    if (!(svr & svr_enable))
        lapic(lapic_reg::spurious) = svr_enable | spurious_vector;
}

void route_gsi(unsigned gsi, uint8_t vector)
{
    irq_register(vector, IrqEoi::Lapic);
    uint32_t entry = ioapic_reg::redirection_table + 2 * gsi;
    ioapic_write(entry + 1, uint32_t(boot_apic_id) << destination_shift);
    ioapic_write(entry, vector);
}

void mask_gsi(unsigned gsi)
{
    ioapic_write(ioapic_reg::redirection_table + 2 * gsi, redirection_masked);
}

void start_timer(uint8_t vector, uint64_t microseconds)
{
    irq_register(vector, IrqEoi::Lapic);
    uint64_t ticks = microseconds * (lapic_timer_hz / 1000000) / timer_divider;
    if (ticks == 0)
        ticks = 1;
    if (ticks > UINT32_MAX)
        ticks = UINT32_MAX;
    lapic(lapic_reg::timer_divide) = divide_by_16;
    lapic(lapic_reg::lvt_timer) = vector;
    lapic(lapic_reg::timer_initial_count) = uint32_t(ticks);
}

void stop_timer()
{
    lapic(lapic_reg::timer_initial_count) = 0;
    lapic(lapic_reg::lvt_timer) = lvt_masked;
}

uint64_t tsc_per_microsecond()
{
    if (g_tsc_per_microsecond != 0)
        return g_tsc_per_microsecond;
    lapic(lapic_reg::lvt_timer) = lvt_masked;
    lapic(lapic_reg::timer_divide) = divide_by_16;
    uint32_t initial = uint32_t(calibration_ticks / timer_divider);
    lapic(lapic_reg::timer_initial_count) = initial;
    uint64_t start = rdtsc();
    uint32_t remaining = initial;
    unsigned reads = 0;
    while (remaining != 0 && remaining <= initial && reads++ < calibration_max_reads)
        remaining = lapic(lapic_reg::timer_current_count);
    uint64_t cycles = rdtsc() - start;
    lapic(lapic_reg::timer_initial_count) = 0;
    uint64_t rate = remaining == 0 ? cycles / (calibration_ticks * 1000000 / lapic_timer_hz) : 0;
    g_tsc_per_microsecond = (rate >= plausible_tsc_min && rate <= plausible_tsc_max) ? rate : fallback_tsc_per_microsecond;
    return g_tsc_per_microsecond;
}

Deadline::Deadline(uint64_t microseconds)
    : m_end(rdtsc() + microseconds * tsc_per_microsecond())
{
}

bool Deadline::passed() const { return int64_t(rdtsc() - m_end) >= 0; }

}
