// A PCI function with a type-0 configuration header, as a base class for devices (VGA, QXL, the
// host bridge function). It owns the 256-byte configuration space and makes it behave as hardware
// does: per-byte writable masks keep identity and status read-only; BARs size and relocate exactly
// as real BAR registers (writing all-ones reads back the size mask and the type bits, 64-bit BARs
// span two registers, byte and word writes merge into the register); the expansion ROM BAR has its
// enable bit. Whenever the guest moves a BAR or toggles the command register's I/O or memory
// decode, the device tells its `PciBarMapper`. A BAR is mapped only while its decode bit is on and
// its address is neither 0 nor a sizing pattern (all address bits set); moving a mapped BAR is an
// unmap then a map.
//
// Left at zero and read-only for now: BIST, status error bits (nothing here signals errors), and the
// capability list (0x34 and 0x40..0xFF are room for a subclass to fill with `init_config_byte`).
//
// Threads: configuration accesses come from vCPU threads; one mutex guards configuration state.
// The mapper and the interrupt line are called with it held (see PciBarMapper; the line must not
// call back into the device).
#pragma once

#include "base/result.h"
#include "devices/pci_bar_mapper.h"
#include "vmm/interrupt_line.h"

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>

namespace spicebox {

struct PciIdentity {
    uint16_t vendor_id { 0 };
    uint16_t device_id { 0 };
    uint8_t revision { 0 };
    uint32_t class_code { 0 }; // base class << 16 | subclass << 8 | programming interface
    uint16_t subsystem_vendor_id { 0 };
    uint16_t subsystem_id { 0 };
    uint8_t interrupt_pin { 0 }; // 0: none, 1..4: INTA#..INTD#
    bool multifunction { false };
};

class PciDevice {
public:
    static constexpr int bar_count = 6;
    static constexpr size_t config_size = 256;

    PciDevice(std::string name, const PciIdentity& identity);
    virtual ~PciDevice() = default;
    PciDevice(const PciDevice&) = delete;
    PciDevice& operator=(const PciDevice&) = delete;

    const std::string& name() const { return m_name; }

    // Set once by the host bridge when the device is added, before the guest runs.
    void set_bar_mapper(PciBarMapper* mapper);
    // The machine routes the device's pin to `interrupt` and records the IRQ number the guest
    // finds in the interrupt-line register.
    void set_interrupt(InterruptLine interrupt, uint8_t irq_line_value);

    // Accesses of 1, 2 or 4 bytes that do not cross a dword; others read all-ones and are ignored.
    void config_read(uint8_t offset, std::span<uint8_t> data);
    void config_write(uint8_t offset, std::span<const uint8_t> data);

    // Where the BAR (0..5, or pci_rom_bar) is mapped now, if it is.
    std::optional<uint64_t> bar_address(int bar) const;

protected:
    // Declaring fails on an invalid declaration (size not a power of two or too small for its kind,
    // a 64-bit BAR in the last register or an I/O one, a register already taken, memory that does
    // not match). Subclasses declare from a factory that returns the error.
    Result<void> declare_bar(int bar, PciBarInfo info);
    // The expansion ROM: host memory of `rom.size()` bytes (a power of two, at least a page),
    // mapped read-only while the ROM BAR's enable bit and memory decode are on.
    Result<void> declare_rom(std::span<uint8_t> rom);

    // Asserts or deasserts the device's INTx pin. The command register's interrupt-disable bit
    // masks the line; status bit 3 shows the pin's state either way.
    void set_irq_level(bool asserted);

    // Which pages of Memory BAR `bar` (declared with log_dirty) the guest wrote since the last call: see
    // PciBarMapper::take_dirty_pages. Any thread: the mapper is asked after the configuration lock is released.
    bool take_dirty_pages(int bar, std::span<uint64_t> bitmap);

    // For subclasses laying out device-specific registers and capabilities at construction.
    void init_config_byte(uint8_t offset, uint8_t value, uint8_t writable_mask);

private:
    struct Bar {
        PciBarInfo info;
        bool declared { false };
        bool upper_half { false }; // this register holds the high dword of the BAR below
        uint64_t address { 0 };    // the programmed base, address bits only
        bool rom_enabled { false };
        std::optional<uint64_t> mapped_at;
    };

    uint32_t read_dword(uint8_t offset) const;
    void write_dword(uint8_t offset, uint32_t value, uint32_t byte_mask);
    uint32_t bar_register(int index) const;
    void write_bar_register(int index, uint32_t value);
    uint64_t address_mask(int index) const;
    std::optional<uint64_t> decoded_address(int index) const;
    uint16_t command() const;
    void update_mappings();
    void update_interrupt();

    std::string m_name;
    mutable std::mutex m_mutex;
    std::array<uint8_t, config_size> m_config {};
    std::array<uint8_t, config_size> m_writable {};
    std::array<Bar, bar_count + 1> m_bars {}; // the last one is the ROM
    PciBarMapper* m_mapper { nullptr };
    InterruptLine m_interrupt;
    bool m_irq_asserted { false };
    bool m_irq_level { false };
};

} // namespace spicebox
