// The local APIC and the IOAPIC as a ring-3 driver uses them: route a level-triggered PCI INTx pin
// (a GSI) to a vector on the boot CPU, and a one-shot LAPIC timer for timeouts and frame pacing.
// Both register blocks are MMIO that the runtime's page tables map uncached and user-accessible
// (runtime/entry.S), so ring 3 programs them directly; each access is an exit.
//
// Ring 0 acknowledges the LAPIC (IrqEoi::Lapic) as soon as it has counted an interrupt, before ring
// 3 has silenced the device. A level-triggered redirection entry would then fire again at once and
// never let ring 3 run, so a level INTx line is programmed edge-triggered: one interrupt per rising
// edge, and the driver must bring the line down (QXL: UPDATE_IRQ after reading int_pending) and
// re-check its device before waiting again.
#pragma once

#include <stdint.h>

namespace spicebox::guest::apic {

constexpr uintptr_t lapic_base = 0xFEE00000;
constexpr uintptr_t ioapic_base = 0xFEC00000;

// KVM's local APIC timer counts at 1 GHz before the divider (its APIC bus cycle is 1 ns).
constexpr uint64_t lapic_timer_hz = 1000000000;

// Software-enables the local APIC (SVR bit 8; the CPU leaves reset with it clear, and a disabled
// APIC drops fixed interrupts from the IOAPIC). Idempotent.
void enable_local_apic();

// Sends GSI `gsi` to `vector` on APIC id 0, edge-triggered (see above), active high, unmasked.
// Registers the vector for a LAPIC EOI from ring 0.
void route_gsi(unsigned gsi, uint8_t vector);
void mask_gsi(unsigned gsi);

// A one-shot LAPIC timer interrupt on `vector` after `microseconds` (at most about 68 s).
void start_timer(uint8_t vector, uint64_t microseconds);
void stop_timer();

// The TSC's rate, measured once against the LAPIC timer (about 2 ms, a few hundred exits).
uint64_t tsc_per_microsecond();

// A point in time a number of microseconds from now, by the TSC.
class Deadline {
public:
    explicit Deadline(uint64_t microseconds);
    bool passed() const;

private:
    uint64_t m_end;
};

}
