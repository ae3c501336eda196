#include "qxl/qxl_card.h"

#include "qxl/apic.h"
#include "runtime/runtime.h"

#include <stddef.h>

namespace spicebox::guest::qxl {

namespace {

// The ports revision 4 added (MONITORS_CONFIG_ASYNC) are needed by both driver profiles.
constexpr uint8_t minimum_revision = 4;
constexpr unsigned ram_bar_index = 0;
constexpr unsigned vram_bar_index = 1;
constexpr unsigned rom_bar_index = 2;
constexpr unsigned io_bar_index = 3;
constexpr uint64_t four_gib = uint64_t(1) << 32;

// The IOAPIC's input pins (both spicebox's and QEMU's have 24).
constexpr unsigned ioapic_pins = 24;

constexpr unsigned max_chain_length = 1 << 16;

namespace ring_field {
constexpr size_t num_items = offsetof(QXLCommandRing, num_items);
constexpr size_t prod = offsetof(QXLCommandRing, prod);
constexpr size_t notify_on_prod = offsetof(QXLCommandRing, notify_on_prod);
constexpr size_t cons = offsetof(QXLCommandRing, cons);
constexpr size_t notify_on_cons = offsetof(QXLCommandRing, notify_on_cons);
constexpr size_t items = offsetof(QXLCommandRing, items);
}
static_assert(offsetof(QXLReleaseRing, prod) == ring_field::prod && offsetof(QXLReleaseRing, items) == ring_field::items);
static_assert(sizeof(QXLCommand) == 16 && sizeof(uint64_t) == 8);

uint32_t load(const uint8_t* base, size_t offset)
{
    return __atomic_load_n(reinterpret_cast<const uint32_t*>(base + offset), __ATOMIC_ACQUIRE);
}

void store(uint8_t* base, size_t offset, uint32_t value)
{
    __atomic_store_n(reinterpret_cast<uint32_t*>(base + offset), value, __ATOMIC_RELEASE);
}

// The producer's "write prod, then read notify_on_prod" needs a store-load barrier (spice_mb()).
void full_barrier() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

void pause() { asm volatile("pause"); }

uint32_t* int_pending_field(QXLRam* ram) { return reinterpret_cast<uint32_t*>(reinterpret_cast<uint8_t*>(ram) + offsetof(QXLRam, int_pending)); }
uint32_t* int_mask_field(QXLRam* ram) { return reinterpret_cast<uint32_t*>(reinterpret_cast<uint8_t*>(ram) + offsetof(QXLRam, int_mask)); }

}

void Card::print_failure(const char* what) { printf("%s: qxl: %s\n", m_name, what); }

bool Card::probe()
{
    if (!pci::find(vendor_id, device_id, m_function)) {
        print_failure("no 1b36:0100 card on PCI bus 0");
        return false;
    }
    uint8_t revision = uint8_t(pci::read32(m_function, pci::reg::class_revision));
    if (revision < minimum_revision) {
        printf("%s: qxl: revision %u, at least %u needed\n", m_name, unsigned(revision), unsigned(minimum_revision));
        return false;
    }
    pci::Bar ram = pci::read_bar(m_function, ram_bar_index);
    pci::Bar vram = pci::read_bar(m_function, vram_bar_index);
    pci::Bar rom_bar = pci::read_bar(m_function, rom_bar_index);
    pci::Bar io = pci::read_bar(m_function, io_bar_index);
    const pci::Bar* memory_bars[] = { &ram, &vram, &rom_bar };
    for (const pci::Bar* bar : memory_bars) {
        if (bar->io || bar->size == 0 || bar->address == 0 || bar->address + bar->size > four_gib) {
            printf("%s: qxl: memory BAR at 0x%lx (%lu bytes) is not usable below 4 GiB\n", m_name, bar->address, bar->size);
            return false;
        }
    }
    if (!io.io || io.size < QXL_IO_RANGE_SIZE || io.address == 0) {
        print_failure("BAR3 is not an I/O BAR of the 25 ports");
        return false;
    }
    uint32_t command = pci::read32(m_function, pci::reg::command) & 0xFFFF;
    command = (command | pci::command::io_space | pci::command::memory_space) & ~pci::command::interrupt_disable;
    pci::write32(m_function, pci::reg::command, command);

    m_bars = Bars { ram.address, ram.size, vram.address, vram.size, rom_bar.address, rom_bar.size, uint16_t(io.address) };
    if (m_bars.rom_size < sizeof(QXLRom) || rom().magic != QXL_ROM_MAGIC) {
        print_failure("the ROM has no QXRO magic");
        return false;
    }
    uint64_t header = rom().ram_header_offset;
    if (header + sizeof(QXLRam) > m_bars.ram_size) {
        printf("%s: qxl: RAM header offset 0x%lx overruns BAR0\n", m_name, header);
        return false;
    }
    m_ram = reinterpret_cast<QXLRam*>(m_bars.ram + header);
    if (m_ram->magic != QXL_RAM_MAGIC) {
        print_failure("the RAM header has no QXRA magic");
        return false;
    }
    apic::tsc_per_microsecond();
    return true;
}

const QXLMode* Card::modes(uint32_t& count) const
{
    uint64_t offset = rom().modes_offset;
    count = 0;
    if (offset + sizeof(uint32_t) > m_bars.rom_size)
        return nullptr;
    const uint8_t* base = reinterpret_cast<const uint8_t*>(m_bars.rom) + offset;
    uint64_t fit = (m_bars.rom_size - offset - sizeof(uint32_t)) / sizeof(QXLMode);
    uint32_t stated = *reinterpret_cast<const uint32_t*>(base);
    count = stated < fit ? stated : uint32_t(fit);
    return reinterpret_cast<const QXLMode*>(base + sizeof(uint32_t));
}

unsigned Card::gsi() const { return pci::read32(m_function, pci::reg::interrupt) & 0xFF; }

QXLPHYSICAL Card::physical(uint8_t slot, uint64_t offset) const { return physical(slot, rom().slot_generation, offset); }

QXLPHYSICAL Card::physical(uint8_t slot, uint8_t generation, uint64_t offset) const
{
    unsigned id_bits = rom().slot_id_bits;
    unsigned generation_bits = rom().slot_gen_bits;
    uint64_t high = (uint64_t(slot) << generation_bits) | generation;
    return (high << (64 - id_bits - generation_bits)) | offset;
}

void Card::out(unsigned port, uint8_t value)
{
    ++m_stats.port_writes;
    outb(uint16_t(m_bars.io + port), value);
}

void Card::use_interrupts(uint8_t vector, uint8_t timer_vector, uint32_t mask)
{
    if (gsi() >= ioapic_pins) {
        printf("%s: qxl: interrupt line %u is no IOAPIC pin; polling instead\n", m_name, gsi());
        use_polling();
        return;
    }
    m_interrupts = true;
    m_vector = vector;
    m_timer_vector = timer_vector;
    m_mask = mask;
    apic::enable_local_apic();
    apic::route_gsi(gsi(), vector);
    __atomic_store_n(int_mask_field(m_ram), mask, __ATOMIC_SEQ_CST);
    out(QXL_IO_UPDATE_IRQ, 0);
}

void Card::use_polling()
{
    if (m_interrupts)
        apic::mask_gsi(gsi());
    m_interrupts = false;
    m_mask = 0;
    __atomic_store_n(int_mask_field(m_ram), 0, __ATOMIC_SEQ_CST);
}

uint32_t Card::int_pending() const { return __atomic_load_n(int_pending_field(m_ram), __ATOMIC_ACQUIRE); }

void Card::poll_events()
{
    uint32_t pending;
    if (m_interrupts) {
        // As Linux's handler: take everything, then let the device recompute its line.
        pending = __atomic_exchange_n(int_pending_field(m_ram), 0, __ATOMIC_SEQ_CST);
        if (pending)
            out(QXL_IO_UPDATE_IRQ, 0);
    } else {
        // As Xorg: the bits stay visible in int_pending except the ones consumed; ERROR stays.
        pending = int_pending();
        if (pending & ~uint32_t(QXL_INTERRUPT_ERROR))
            __atomic_fetch_and(int_pending_field(m_ram), ~(pending & ~uint32_t(QXL_INTERRUPT_ERROR)), __ATOMIC_SEQ_CST);
    }
    m_events |= pending;
    if (pending & QXL_INTERRUPT_ERROR)
        m_error = true;
    m_stats.interrupts = m_interrupts ? irq_count(m_vector) : 0;
}

uint32_t Card::take_events(uint32_t events)
{
    uint32_t taken = m_events & events;
    m_events &= ~events;
    return taken;
}

uint32_t Card::wait_events(uint32_t events, uint64_t timeout_us)
{
    apic::Deadline deadline(timeout_us);
    bool timer = false;
    uint32_t taken = 0;
    for (;;) {
        uint64_t seen = irq_total();
        poll_events();
        if ((taken = take_events(events)) != 0 || m_error || deadline.passed())
            break;
        if (m_interrupts) {
            // The timer is the safety net for an edge the card raised while its line was still up (the
            // IOAPIC entry is edge-triggered, see apic.h). One-shot, it is armed again before every halt:
            // armed once, an early expiry (the TSC deadline runs late when calibration was slowed) left
            // the next halt without one, and a missed edge then hung the guest.
            apic::start_timer(m_timer_vector, timeout_us < missed_edge_recheck_us ? timeout_us : missed_edge_recheck_us);
            timer = true;
            halt_until_interrupt(seen);
        } else {
            pause();
        }
    }
    if (timer)
        apic::stop_timer();
    return taken;
}

bool Card::error() { return m_error || (int_pending() & QXL_INTERRUPT_ERROR); }

void Card::reset()
{
    out(QXL_IO_RESET, 0);
    m_events = 0;
    m_error = false;
    // RESET zeroes int_mask (QEMU's init_qxl_ram); a driver with an interrupt handler sets it again.
    if (m_interrupts)
        __atomic_store_n(int_mask_field(m_ram), m_mask, __ATOMIC_SEQ_CST);
}

bool Card::sync_port(unsigned port, uint8_t value)
{
    out(port, value);
    return !error();
}

bool Card::async_io(unsigned port, uint8_t value)
{
    ++m_stats.async_ios;
    out(port, value);
    return wait_events(QXL_INTERRUPT_IO_CMD) != 0 && !error();
}

bool Card::memslot_add(uint8_t id, uint64_t start, uint64_t end, bool async)
{
    m_ram->mem_slot.mem_start = start;
    m_ram->mem_slot.mem_end = end;
    return async ? async_io(QXL_IO_MEMSLOT_ADD_ASYNC, id) : sync_port(QXL_IO_MEMSLOT_ADD, id);
}

bool Card::create_primary(const QXLSurfaceCreate& create, bool async)
{
    m_ram->create_surface = create;
    return async ? async_io(QXL_IO_CREATE_PRIMARY_ASYNC, 0) : sync_port(QXL_IO_CREATE_PRIMARY, 0);
}

bool Card::destroy_primary(bool async)
{
    return async ? async_io(QXL_IO_DESTROY_PRIMARY_ASYNC, 0) : sync_port(QXL_IO_DESTROY_PRIMARY, 0);
}

bool Card::update_area(uint32_t surface, const QXLRect& area, bool async)
{
    m_ram->update_area = area;
    m_ram->update_surface = surface;
    return async ? async_io(QXL_IO_UPDATE_AREA_ASYNC, 0) : sync_port(QXL_IO_UPDATE_AREA, 0);
}

bool Card::monitors_config(QXLPHYSICAL config)
{
    m_ram->monitors_config = config;
    return async_io(QXL_IO_MONITORS_CONFIG_ASYNC, 0);
}

bool Card::flush_surfaces() { return async_io(QXL_IO_FLUSH_SURFACES_ASYNC, 0); }

void Card::notify_oom()
{
    ++m_stats.oom_notifies;
    out(QXL_IO_NOTIFY_OOM, 0);
}

void Card::flush_release() { out(QXL_IO_FLUSH_RELEASE, 0); }

uint8_t* Card::ring_base(Ring ring) const
{
    size_t offset = ring == Ring::Command ? offsetof(QXLRam, cmd_ring) : offsetof(QXLRam, cursor_ring);
    return reinterpret_cast<uint8_t*>(m_ram) + offset;
}

bool Card::ring_busy(Ring ring) const
{
    uint8_t* base = ring_base(ring);
    return load(base, ring_field::prod) != load(base, ring_field::cons);
}

bool Card::push(Ring ring, QXLPHYSICAL data, uint32_t type, uint64_t timeout_us)
{
    constexpr uint32_t capacity = QXL_COMMAND_RING_SIZE;
    static_assert(QXL_CURSOR_RING_SIZE == capacity);
    uint8_t* base = ring_base(ring);
    apic::Deadline deadline(timeout_us);
    uint32_t prod;
    for (;;) {
        prod = load(base, ring_field::prod);
        uint32_t cons = load(base, ring_field::cons);
        if (prod - cons < capacity)
            break;
        // Full: ask the device to interrupt once it has taken one more (PROD_WAIT), then re-check.
        store(base, ring_field::notify_on_cons, cons + 1);
        full_barrier();
        if (load(base, ring_field::cons) != cons)
            continue;
        ++m_stats.ring_full_waits;
        if (m_interrupts)
            wait_events(ring == Ring::Command ? QXL_INTERRUPT_DISPLAY : QXL_INTERRUPT_CURSOR, timeout_us);
        else
            pause();
        if (error())
            return false;
        if (deadline.passed()) {
            print_failure(ring == Ring::Command ? "the command ring stays full" : "the cursor ring stays full");
            return false;
        }
    }
    QXLCommand command {};
    command.data = data;
    command.type = type;
    auto* item = reinterpret_cast<QXLCommand*>(base + ring_field::items) + prod % capacity;
    *item = command;
    store(base, ring_field::prod, prod + 1);
    full_barrier();
    if (ring == Ring::Command)
        ++m_stats.commands;
    else
        ++m_stats.cursor_commands;
    if (load(base, ring_field::notify_on_prod) == prod + 1) {
        if (ring == Ring::Command) {
            ++m_stats.notify_cmd;
            out(QXL_IO_NOTIFY_CMD, 0);
        } else {
            ++m_stats.notify_cursor;
            out(QXL_IO_NOTIFY_CURSOR, 0);
        }
    }
    return true;
}

bool Card::pop_release(uint64_t& id)
{
    constexpr uint32_t capacity = QXL_RELEASE_RING_SIZE;
    auto* base = reinterpret_cast<uint8_t*>(m_ram) + offsetof(QXLRam, release_ring);
    for (;;) {
        uint32_t cons = load(base, ring_field::cons);
        uint32_t prod = load(base, ring_field::prod);
        if (cons == prod) {
            // Going idle (CONS_WAIT): the device raises DISPLAY when it publishes the next chain.
            store(base, ring_field::notify_on_prod, cons + 1);
            full_barrier();
            if (load(base, ring_field::prod) == cons)
                return false;
            continue;
        }
        id = __atomic_load_n(reinterpret_cast<uint64_t*>(base + ring_field::items) + cons % capacity, __ATOMIC_ACQUIRE);
        store(base, ring_field::cons, cons + 1);
        return true;
    }
}

unsigned Card::collect_releases(ReleaseFunction release, void* context)
{
    unsigned count = 0;
    uint64_t id;
    while (pop_release(id)) {
        ++m_stats.release_chains;
        for (unsigned length = 0; id != 0 && length < max_chain_length; ++length) {
            id = release(context, id);
            ++count;
        }
    }
    m_stats.releases += count;
    return count;
}

}
