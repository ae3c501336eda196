#include "vmm/mp_table.h"

#include "vmm/memory_layout.h"

#include <cstddef>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

namespace spicebox {

namespace {

// Structures of the MP specification 1.4, chapter 4.
struct [[gnu::packed]] FloatingPointer {
    char signature[4];
    uint32_t config_table;
    uint8_t length; // in paragraphs
    uint8_t spec_revision;
    uint8_t checksum;
    uint8_t features[5]; // all zero: a configuration table is present, virtual-wire mode
};
constexpr size_t paragraph_size = 16;
static_assert(sizeof(FloatingPointer) == paragraph_size);

struct [[gnu::packed]] ConfigHeader {
    char signature[4];
    uint16_t length; // the base table, header included
    uint8_t spec_revision;
    uint8_t checksum;
    char oem_id[8];
    char product_id[12];
    uint32_t oem_table;
    uint16_t oem_table_size;
    uint16_t entry_count;
    uint32_t lapic_address;
    uint16_t extended_length;
    uint8_t extended_checksum;
    uint8_t reserved;
};
static_assert(sizeof(ConfigHeader) == 44);

enum class EntryType : uint8_t {
    Processor = 0,
    Bus = 1,
    IoApic = 2,
    IoInterrupt = 3,
    LocalInterrupt = 4,
};

struct [[gnu::packed]] ProcessorEntry {
    EntryType type;
    uint8_t lapic_id;
    uint8_t lapic_version;
    uint8_t flags;
    uint32_t cpu_signature;
    uint32_t feature_flags;
    uint32_t reserved[2];
};
static_assert(sizeof(ProcessorEntry) == 20);

struct [[gnu::packed]] BusEntry {
    EntryType type;
    uint8_t bus_id;
    char bus_type[6];
};
static_assert(sizeof(BusEntry) == 8);

struct [[gnu::packed]] IoApicEntry {
    EntryType type;
    uint8_t id;
    uint8_t version;
    uint8_t flags;
    uint32_t address;
};
static_assert(sizeof(IoApicEntry) == 8);

struct [[gnu::packed]] InterruptEntry {
    EntryType type;
    uint8_t interrupt_type;
    uint16_t flags; // polarity in bits 0-1, trigger mode in bits 2-3
    uint8_t source_bus;
    uint8_t source_irq;
    uint8_t destination_apic;
    uint8_t destination_pin;
};
static_assert(sizeof(InterruptEntry) == 8);

constexpr uint8_t spec_revision_1_4 = 4;
constexpr uint8_t processor_enabled = 1 << 0;
constexpr uint8_t processor_bootstrap = 1 << 1;
constexpr uint8_t ioapic_enabled = 1 << 0;
// The versions KVM's in-kernel LAPIC and IOAPIC report.
constexpr uint8_t lapic_version = 0x14;
constexpr uint8_t ioapic_version = 0x11;
// Family 6, and CPUID.1:EDX with FPU and APIC: Linux reads neither, the specification wants them.
constexpr uint32_t cpu_signature = 0x600;
constexpr uint32_t cpu_feature_fpu = 1 << 0;
constexpr uint32_t cpu_feature_apic = 1 << 9;

constexpr uint8_t pci_bus_id = 0;
constexpr uint8_t isa_bus_id = 1;
constexpr unsigned pci_slot_count = 32;
constexpr unsigned pci_pins_per_slot = 4;
constexpr unsigned isa_cascade_irq = 2;

enum class InterruptType : uint8_t {
    Int = 0,
    Nmi = 1,
    ExtInt = 3,
};
constexpr uint16_t conforms_to_bus = 0;
constexpr uint16_t active_high_level_triggered = 0x1 | (0x3 << 2);
constexpr uint8_t bsp_lapic_id = 0;
constexpr uint8_t all_lapics = 0xFF;
constexpr uint8_t lint0 = 0;
constexpr uint8_t lint1 = 1;

constexpr size_t interrupt_entry_count = (isa_irq_count - 1) + pci_slot_count * pci_pins_per_slot + 2;
constexpr size_t largest_table_size = sizeof(ConfigHeader) + mp_table_max_cpus * sizeof(ProcessorEntry)
    + 2 * sizeof(BusEntry) + sizeof(IoApicEntry) + interrupt_entry_count * sizeof(InterruptEntry);
static_assert(largest_table_size <= layout::mp_config_table_region_size);

class TableBuilder {
public:
    template<typename Entry>
    void add(const Entry& entry)
    {
        auto bytes = reinterpret_cast<const uint8_t*>(&entry);
        m_bytes.insert(m_bytes.end(), bytes, bytes + sizeof entry);
        ++m_entry_count;
    }

    std::vector<uint8_t>& bytes() { return m_bytes; }
    uint16_t entry_count() const { return m_entry_count; }

private:
    std::vector<uint8_t> m_bytes;
    uint16_t m_entry_count { 0 };
};

// The byte that makes all bytes of a structure sum to zero.
uint8_t checksum_for(std::span<const uint8_t> bytes)
{
    return uint8_t(-std::accumulate(bytes.begin(), bytes.end(), 0u));
}

} // namespace

unsigned isa_irq_ioapic_pin(unsigned irq)
{
    constexpr unsigned timer_irq = 0;
    constexpr unsigned timer_pin = 2;
    return irq == timer_irq ? timer_pin : irq;
}

unsigned pci_intx_gsi(unsigned slot, unsigned pin)
{
    return pci_intx_first_gsi + (slot + pin) % pci_intx_gsi_count;
}

Result<void> write_mp_table(GuestMemory& memory, unsigned cpu_count)
{
    if (cpu_count == 0 || cpu_count > mp_table_max_cpus)
        return Error { std::to_string(cpu_count) + " vCPUs do not fit the MP table (1 to "
            + std::to_string(mp_table_max_cpus) + ")" };
    uint8_t ioapic_id = uint8_t(cpu_count);

    TableBuilder entries;
    for (unsigned cpu = 0; cpu < cpu_count; ++cpu) {
        uint8_t flags = processor_enabled | (cpu == 0 ? processor_bootstrap : 0);
        entries.add(ProcessorEntry { EntryType::Processor, uint8_t(cpu), lapic_version, flags, cpu_signature,
            cpu_feature_fpu | cpu_feature_apic, {} });
    }
    entries.add(BusEntry { EntryType::Bus, pci_bus_id, { 'P', 'C', 'I', ' ', ' ', ' ' } });
    entries.add(BusEntry { EntryType::Bus, isa_bus_id, { 'I', 'S', 'A', ' ', ' ', ' ' } });
    entries.add(IoApicEntry { EntryType::IoApic, ioapic_id, ioapic_version, ioapic_enabled,
        uint32_t(layout::ioapic_address) });

    for (unsigned irq = 0; irq < isa_irq_count; ++irq) {
        // The timer's pin 2 replaces the cascade's.
        if (irq == isa_cascade_irq)
            continue;
        entries.add(InterruptEntry { EntryType::IoInterrupt, uint8_t(InterruptType::Int), conforms_to_bus, isa_bus_id,
            uint8_t(irq), ioapic_id, uint8_t(isa_irq_ioapic_pin(irq)) });
    }
    for (unsigned slot = 0; slot < pci_slot_count; ++slot) {
        for (unsigned pin = 0; pin < pci_pins_per_slot; ++pin) {
            entries.add(InterruptEntry { EntryType::IoInterrupt, uint8_t(InterruptType::Int),
                active_high_level_triggered, pci_bus_id, uint8_t(slot << 2 | pin), ioapic_id,
                uint8_t(pci_intx_gsi(slot, pin)) });
        }
    }
    entries.add(InterruptEntry { EntryType::LocalInterrupt, uint8_t(InterruptType::ExtInt), conforms_to_bus, isa_bus_id,
        0, bsp_lapic_id, lint0 });
    entries.add(InterruptEntry { EntryType::LocalInterrupt, uint8_t(InterruptType::Nmi), conforms_to_bus, isa_bus_id,
        0, all_lapics, lint1 });

    ConfigHeader header {};
    std::memcpy(header.signature, "PCMP", sizeof header.signature);
    header.length = uint16_t(sizeof header + entries.bytes().size());
    header.spec_revision = spec_revision_1_4;
    std::memcpy(header.oem_id, "SPICEBOX", sizeof header.oem_id);
    std::memcpy(header.product_id, "VIRTUAL PC  ", sizeof header.product_id);
    header.entry_count = entries.entry_count();
    header.lapic_address = uint32_t(layout::lapic_address);

    std::vector<uint8_t> table(sizeof header);
    std::memcpy(table.data(), &header, sizeof header);
    table.insert(table.end(), entries.bytes().begin(), entries.bytes().end());
    table[offsetof(ConfigHeader, checksum)] = checksum_for(table);

    FloatingPointer pointer {};
    std::memcpy(pointer.signature, "_MP_", sizeof pointer.signature);
    pointer.config_table = uint32_t(layout::mp_config_table_address);
    pointer.length = sizeof pointer / paragraph_size;
    pointer.spec_revision = spec_revision_1_4;
    pointer.checksum = checksum_for(std::span(reinterpret_cast<const uint8_t*>(&pointer), sizeof pointer));

    TRY(memory.write(layout::mp_config_table_address, table));
    TRY(memory.write_object(layout::mp_floating_pointer_address, pointer));
    return {};
}

} // namespace spicebox
