#include "vmm/mp_table.h"

#include "vmm/memory_layout.h"

#include <cstring>
#include <doctest/doctest.h>
#include <numeric>
#include <string>
#include <vector>

using namespace spicebox;

namespace {

uint8_t byte_sum(const std::vector<uint8_t>& bytes)
{
    return uint8_t(std::accumulate(bytes.begin(), bytes.end(), 0u));
}

template<typename T>
T read_at(const std::vector<uint8_t>& bytes, size_t offset)
{
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof value);
    return value;
}

struct InterruptRoute {
    uint8_t kind; // 3 = I/O interrupt, 4 = local interrupt
    uint8_t interrupt_type;
    uint16_t flags;
    uint8_t source_bus;
    uint8_t source_irq;
    uint8_t destination_apic;
    uint8_t destination_pin;
};

// The configuration table decoded entry by entry, as Linux's mpparse walks it.
struct ParsedTable {
    std::vector<std::pair<uint8_t, uint8_t>> processors; // APIC id, flags
    std::vector<std::string> buses;
    std::vector<std::pair<uint8_t, uint32_t>> ioapics; // id, address
    std::vector<InterruptRoute> interrupts;
    uint16_t declared_entries;
};

ParsedTable read_mp_table(const GuestMemory& memory)
{
    std::vector<uint8_t> pointer(16);
    REQUIRE(memory.read(0x9FC00, pointer).ok());
    CHECK(std::string(pointer.begin(), pointer.begin() + 4) == "_MP_");
    CHECK(pointer[8] == 1);
    CHECK(pointer[9] == 4);
    CHECK(byte_sum(pointer) == 0);
    uint32_t table_address = read_at<uint32_t>(pointer, 4);

    std::vector<uint8_t> header(44);
    REQUIRE(memory.read(table_address, header).ok());
    CHECK(std::string(header.begin(), header.begin() + 4) == "PCMP");
    CHECK(read_at<uint32_t>(header, 36) == 0xFEE00000);
    std::vector<uint8_t> table(read_at<uint16_t>(header, 4));
    REQUIRE(memory.read(table_address, table).ok());
    CHECK(byte_sum(table) == 0);

    ParsedTable parsed;
    parsed.declared_entries = read_at<uint16_t>(header, 34);
    size_t offset = 44;
    while (offset < table.size()) {
        uint8_t kind = table[offset];
        if (kind == 0) {
            parsed.processors.emplace_back(table[offset + 1], table[offset + 3]);
            offset += 20;
        } else if (kind == 1) {
            parsed.buses.emplace_back(table.begin() + offset + 2, table.begin() + offset + 8);
            offset += 8;
        } else if (kind == 2) {
            parsed.ioapics.emplace_back(table[offset + 1], read_at<uint32_t>(table, offset + 4));
            offset += 8;
        } else {
            REQUIRE((kind == 3 || kind == 4));
            parsed.interrupts.push_back({ kind, table[offset + 1], read_at<uint16_t>(table, offset + 2),
                table[offset + 4], table[offset + 5], table[offset + 6], table[offset + 7] });
            offset += 8;
        }
    }
    CHECK(offset == table.size());
    return parsed;
}

const InterruptRoute* find_route(const ParsedTable& table, uint8_t kind, uint8_t bus, uint8_t source_irq)
{
    for (const auto& route : table.interrupts) {
        if (route.kind == kind && route.source_bus == bus && route.source_irq == source_irq)
            return &route;
    }
    return nullptr;
}

void check_table(unsigned cpu_count)
{
    std::vector<uint8_t> ram(layout::MiB);
    GuestMemory memory;
    REQUIRE(memory.add_region(0, ram, "ram").ok());
    REQUIRE(write_mp_table(memory, cpu_count).ok());
    ParsedTable table = read_mp_table(memory);

    REQUIRE(table.processors.size() == cpu_count);
    for (unsigned cpu = 0; cpu < cpu_count; ++cpu) {
        CHECK(table.processors[cpu].first == cpu);
        CHECK(table.processors[cpu].second == (cpu == 0 ? 0x3 : 0x1));
    }
    CHECK(table.buses == std::vector<std::string> { "PCI   ", "ISA   " });
    REQUIRE(table.ioapics.size() == 1);
    CHECK(table.ioapics[0] == std::pair<uint8_t, uint32_t>(cpu_count, 0xFEC00000));

    // 15 ISA routes (IRQ2 is the cascade), 32 slots x 4 pins, ExtINT and NMI.
    CHECK(table.interrupts.size() == 15 + 128 + 2);
    CHECK(table.declared_entries == cpu_count + 2 + 1 + table.interrupts.size());

    const InterruptRoute* timer = find_route(table, 3, 1, 0);
    REQUIRE(timer);
    CHECK(timer->destination_pin == 2);
    CHECK(timer->destination_apic == cpu_count);
    CHECK_FALSE(find_route(table, 3, 1, 2));
    const InterruptRoute* com1 = find_route(table, 3, 1, 4);
    REQUIRE(com1);
    CHECK(com1->destination_pin == 4);
    CHECK(com1->flags == 0);

    // Slot 3 INTB#: source IRQ (3 << 2) | 1, level-triggered and active high, on the swizzled pin.
    const InterruptRoute* pci = find_route(table, 3, 0, 3 << 2 | 1);
    REQUIRE(pci);
    CHECK(pci->destination_pin == pci_intx_gsi(3, 1));
    CHECK(pci->flags == 0xD);

    const InterruptRoute* extint = find_route(table, 4, 1, 0);
    REQUIRE(extint);
    CHECK(extint->interrupt_type == 3);
    CHECK(extint->destination_pin == 0);
    CHECK(table.interrupts.back().interrupt_type == 1);
    CHECK(table.interrupts.back().destination_apic == 0xFF);
    CHECK(table.interrupts.back().destination_pin == 1);
}

} // namespace

TEST_CASE("MP table for 1 and for 4 vCPUs")
{
    check_table(1);
    check_table(4);
}

TEST_CASE("MP table takes 1 to 255 vCPUs")
{
    std::vector<uint8_t> ram(layout::MiB);
    GuestMemory memory;
    REQUIRE(memory.add_region(0, ram, "ram").ok());
    CHECK(write_mp_table(memory, 255).ok());
    auto none = write_mp_table(memory, 0);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message == "0 vCPUs do not fit the MP table (1 to 255)");
    CHECK_FALSE(write_mp_table(memory, 256).ok());
}

TEST_CASE("PCI INTx lines swizzle over GSIs 16..23, ISA IRQ0 goes to pin 2")
{
    CHECK(pci_intx_gsi(0, 0) == 16);
    CHECK(pci_intx_gsi(1, 0) == 17);
    CHECK(pci_intx_gsi(1, 3) == 20);
    CHECK(pci_intx_gsi(7, 1) == 16);
    CHECK(pci_intx_gsi(31, 3) == 18);
    CHECK(isa_irq_ioapic_pin(0) == 2);
    CHECK(isa_irq_ioapic_pin(4) == 4);
    CHECK(isa_irq_ioapic_pin(15) == 15);
}
