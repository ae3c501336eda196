// The Intel MultiProcessor Specification 1.4 table: how a guest without ACPI finds its CPUs, the
// IOAPIC and the routing of ISA and PCI interrupts to IOAPIC pins. Linux scans for the floating
// pointer (arch/x86/kernel/mpparse.c); the configuration table it points to lists the rest.
#pragma once

#include "base/result.h"
#include "vmm/guest_memory.h"

#include <cstdint>

namespace spicebox {

// APIC ids are 8 bits and 0xFF is the broadcast id.
constexpr unsigned mp_table_max_cpus = 255;

// ISA IRQs reach the IOAPIC pin of the same number, except the timer (IRQ0), which a PC wires to
// pin 2 (SeaBIOS's MP table, and QEMU's and kvmtool's KVM_SET_GSI_ROUTING). KVM's built-in default
// routing sends GSI 0 to pin 0, so the machine must install a routing table that uses this.
constexpr unsigned isa_irq_count = 16;
unsigned isa_irq_ioapic_pin(unsigned irq);

// PCI INTx lines use the IOAPIC pins above the ISA ones, which no ISA device shares.
constexpr unsigned pci_intx_first_gsi = 16;
constexpr unsigned pci_intx_gsi_count = 8;

// The GSI (IOAPIC pin) a bus-0 device's INTx line is wired to; pin 0 is INTA# (the PCI Interrupt
// Pin register's value minus one). The usual PCI swizzle, so the INTA# of neighbouring slots land
// on different pins: 16 + (slot + pin) % 8. The lines are level-triggered and active high.
unsigned pci_intx_gsi(unsigned slot, unsigned pin);

// Writes the floating pointer at layout::mp_floating_pointer_address and the configuration table
// at layout::mp_config_table_address: one processor per vCPU (APIC id = index, 0 is the BSP), PCI
// bus 0 and ISA bus 1, one IOAPIC (id = cpu_count) at layout::ioapic_address, ISA IRQs 0..15
// (but 2, the cascade) per isa_irq_ioapic_pin, every bus-0 INTx per pci_intx_gsi, ExtINT on the
// BSP's LINT0 and NMI on every LINT1.
Result<void> write_mp_table(GuestMemory&, unsigned cpu_count);

} // namespace spicebox
