// A ring-3 driver for the QXL card (PCI 1b36:0100): the device as Linux's qxl.ko and Xorg's
// xf86-video-qxl drive it, for guests of this runtime.
//
// - probe(): finds the card on bus 0, reads BAR0 (RAM), BAR1 (VRAM), BAR2 (ROM) and BAR3 (ports)
//   as the VMM assigned them, checks the ROM and RAM header magics. BARs are identity-mapped, so a
//   BAR address is also a pointer.
// - Ports are byte writes whose value is the argument; each is one exit. Async ports complete with
//   QXL_INTERRUPT_IO_CMD, waited for with interrupts (Linux: IOAPIC-routed INTx, int_mask 0x27) or
//   by polling int_pending (Xorg: int_mask 0, the driver clears IO_CMD itself).
// - Rings (spice/ipc_ring.h): the guest produces commands and kicks NOTIFY_CMD / NOTIFY_CURSOR only
//   when prod reaches notify_on_prod, i.e. when the device said it went idle; it consumes the
//   release ring, whose items are chains of release ids linked through each command's first 8
//   bytes (release_info.next).
#pragma once

#include "runtime/pci.h"

#include <spice/qxl_dev.h>
#include <stdint.h>

namespace spicebox::guest::qxl {

constexpr uint16_t vendor_id = REDHAT_PCI_VENDOR_ID;
constexpr uint16_t device_id = QXL_DEVICE_ID_STABLE;

// What Linux's qxl.ko unmasks: DISPLAY, CURSOR, IO_CMD and CLIENT_MONITORS_CONFIG (not ERROR).
constexpr uint32_t linux_int_mask = QXL_INTERRUPT_DISPLAY | QXL_INTERRUPT_CURSOR | QXL_INTERRUPT_IO_CMD
    | QXL_INTERRUPT_CLIENT_MONITORS_CONFIG;

enum class Ring : uint8_t { Command, Cursor };

struct Bars {
    uint64_t ram { 0 };
    uint64_t ram_size { 0 };
    uint64_t vram { 0 };
    uint64_t vram_size { 0 };
    uint64_t rom { 0 };
    uint64_t rom_size { 0 };
    uint16_t io { 0 };
};

// Counters for the measured figures guests report.
struct Stats {
    uint64_t port_writes { 0 };
    uint64_t notify_cmd { 0 };
    uint64_t notify_cursor { 0 };
    uint64_t commands { 0 };
    uint64_t cursor_commands { 0 };
    uint64_t ring_full_waits { 0 };
    uint64_t async_ios { 0 };
    uint64_t release_chains { 0 };
    uint64_t releases { 0 };
    uint64_t interrupts { 0 };
    uint64_t oom_notifies { 0 };
};

// Returns the release_info.next of the command with this id after freeing what it owns, or 0 to
// end the chain (an id it does not know).
using ReleaseFunction = uint64_t (*)(void* context, uint64_t id);

class Card {
public:
    // Default timeout of waits for the device (async completions, ring room). A missing completion is a
    // device bug the guest reports rather than a case to tolerate, but a full ring may be the server's flow
    // control: QEMU's spice-server stops taking commands while a slow client catches up, which took longer
    // than 2 s with the client in a nested KVM host (Linux's qxl driver waits for room without a limit).
    static constexpr uint64_t default_timeout_us = 30000000;
    // How long a wait halts before looking at int_pending again, in case the interrupt's edge was missed.
    static constexpr uint64_t missed_edge_recheck_us = 10000;

    // `name` prefixes the lines printed on failure.
    explicit Card(const char* name) : m_name(name) { }

    // Finds and checks the card; prints why and returns false when there is none usable.
    bool probe();

    pci::Function function() const { return m_function; }
    const Bars& bars() const { return m_bars; }
    // The ROM as the card filled it (BAR2, read-only for the guest).
    const QXLRom& rom() const { return *reinterpret_cast<const QXLRom*>(m_bars.rom); }
    const QXLMode* modes(uint32_t& count) const;
    // The RAM header at BAR0 + rom.ram_header_offset.
    QXLRam& ram() const { return *m_ram; }
    uint8_t* ram_bar() const { return reinterpret_cast<uint8_t*>(m_bars.ram); }
    uint8_t* vram_bar() const { return reinterpret_cast<uint8_t*>(m_bars.vram); }
    // The GSI the card's INTA# reaches: its Interrupt Line register, where spicebox puts the IOAPIC
    // pin of its MP table routing, and SeaBIOS on QEMU's PIIX the ISA IRQ its PIRQ router drives
    // (the same IOAPIC pin there).
    unsigned gsi() const;

    // A QXLPHYSICAL in `slot` with the ROM's current generation and id/generation bit widths.
    QXLPHYSICAL physical(uint8_t slot, uint64_t offset) const;
    QXLPHYSICAL physical(uint8_t slot, uint8_t generation, uint64_t offset) const;

    // One byte to port BAR3 + `port`.
    void out(unsigned port, uint8_t value);

    // Interrupt mode: routes the card's GSI to `vector`, programs `mask` and keeps it across RESET.
    // `timer_vector` paces timeouts while halted.
    void use_interrupts(uint8_t vector, uint8_t timer_vector, uint32_t mask);
    // Polling mode (int_mask 0): waits spin on int_pending.
    void use_polling();
    bool interrupts_enabled() const { return m_interrupts; }

    // Reads and clears int_pending into the events seen so far (interrupt mode: with UPDATE_IRQ,
    // so the line drops and the next event makes a new edge).
    void poll_events();
    // Clears and returns the seen events among `events`.
    uint32_t take_events(uint32_t events);
    // Waits until one of `events` is seen (or ERROR); returns the seen ones among `events` and
    // clears them, 0 on timeout or error.
    uint32_t wait_events(uint32_t events, uint64_t timeout_us = default_timeout_us);
    // True once the device raised QXL_INTERRUPT_ERROR since the last reset().
    bool error();
    uint32_t int_pending() const;

    // RESET: the card is back in VGA mode with no slots or surfaces and fresh rings.
    void reset();
    bool memslot_add(uint8_t id, uint64_t start, uint64_t end, bool async);
    bool create_primary(const QXLSurfaceCreate&, bool async);
    bool destroy_primary(bool async);
    bool update_area(uint32_t surface, const QXLRect& area, bool async);
    bool monitors_config(QXLPHYSICAL config);
    bool flush_surfaces();
    void notify_oom();
    void flush_release();
    // An async port: writes it and waits for IO_CMD. False on error or timeout.
    bool async_io(unsigned port, uint8_t value);

    // Pushes `command` (a QXLPHYSICAL and a QXL_CMD_ type) on a ring, waiting while it is full.
    bool push(Ring, QXLPHYSICAL data, uint32_t type, uint64_t timeout_us = default_timeout_us);
    // True while the device has not consumed everything pushed on `ring`.
    bool ring_busy(Ring) const;

    // Pops the release ring and walks each chain through `release`; returns the ids released.
    unsigned collect_releases(ReleaseFunction, void* context);

    Stats& stats() { return m_stats; }

private:
    uint8_t* ring_base(Ring) const;
    bool pop_release(uint64_t& id);
    bool sync_port(unsigned port, uint8_t value);
    void print_failure(const char* what);

    const char* m_name;
    pci::Function m_function {};
    Bars m_bars {};
    QXLRam* m_ram { nullptr };
    bool m_interrupts { false };
    uint8_t m_vector { 0 };
    uint8_t m_timer_vector { 0 };
    uint32_t m_mask { 0 };
    uint32_t m_events { 0 };
    bool m_error { false };
    Stats m_stats {};
};

}
