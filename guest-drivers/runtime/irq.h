// Hardware interrupts as ring 3 sees them. Ring 0 only counts each interrupt vector (32..255) and
// acknowledges the interrupt controller the way the vector's owner asked; drivers in ring 3 register
// a vector, then wait with halt_until_interrupt() and compare counts. Programming the PIC, IOAPIC or
// LAPIC that routes a device to a vector is the driver's business. Ring 3 runs with interrupts on.
#pragma once

#include <stdint.h>

namespace spicebox::guest {

constexpr unsigned first_irq_vector = 32;
constexpr unsigned vector_count = 256;

// How ring 0 ends an interrupt on a vector before returning.
enum class IrqEoi : uint8_t {
    None = 0,
    PicMaster = 1, // EOI to the master 8259
    PicSlave = 2,  // EOI to the slave 8259, then to the master
    Lapic = 3,     // write the local APIC's EOI register
};

// Shared by ring 0 (writes counts, reads the EOI mode) and ring 3 (the reverse); all memory is
// mapped for both.
struct IrqTable {
    volatile uint64_t total;
    volatile uint64_t counts[vector_count];
    volatile IrqEoi eoi[vector_count];
};

extern IrqTable g_irq_table;

void irq_register(unsigned vector, IrqEoi eoi);
uint64_t irq_count(unsigned vector);
// All interrupts counted so far, for halt_until_interrupt().
uint64_t irq_total();

}
