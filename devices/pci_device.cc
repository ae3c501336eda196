#include "devices/pci_device.h"

#include "base/log.h"

#include <bit>

namespace spicebox {

namespace {

namespace config {
constexpr uint8_t vendor_id = 0x00;
constexpr uint8_t device_id = 0x02;
constexpr uint8_t command = 0x04;
constexpr uint8_t status = 0x06;
constexpr uint8_t revision = 0x08;
constexpr uint8_t class_code = 0x09; // programming interface, subclass, base class
constexpr uint8_t cache_line_size = 0x0C;
constexpr uint8_t latency_timer = 0x0D;
constexpr uint8_t header_type = 0x0E;
constexpr uint8_t bar0 = 0x10;
constexpr uint8_t bars_end = 0x28;
constexpr uint8_t subsystem_vendor_id = 0x2C;
constexpr uint8_t subsystem_id = 0x2E;
constexpr uint8_t rom_address = 0x30;
constexpr uint8_t interrupt_line = 0x3C;
constexpr uint8_t interrupt_pin = 0x3D;
}

namespace command_bits {
constexpr uint16_t io_space = 0x0001;
constexpr uint16_t memory_space = 0x0002;
constexpr uint16_t bus_master = 0x0004;
constexpr uint16_t parity_error_response = 0x0040;
constexpr uint16_t serr = 0x0100;
constexpr uint16_t interrupt_disable = 0x0400;
constexpr uint16_t writable = io_space | memory_space | bus_master | parity_error_response | serr | interrupt_disable;
}

constexpr uint8_t status_interrupt = 0x08;
constexpr uint8_t header_multifunction = 0x80;

namespace bar_bits {
constexpr uint32_t io = 0x1;
constexpr uint32_t memory_64bit = 0x4;
constexpr uint32_t prefetchable = 0x8;
constexpr uint32_t rom_enable = 0x1;
constexpr uint32_t rom_address = 0xFFFFF800;
}

constexpr int rom_index = pci_rom_bar;
constexpr uint64_t page_size = 4096;
constexpr uint64_t io_space_size = 0x10000;      // x86 port space
constexpr uint64_t io_bar_max = 256;             // PCI limit for an I/O BAR
constexpr uint64_t mmio_bar_min = 16;            // PCI minimum for a memory BAR
constexpr uint64_t io_bar_min = 4;
constexpr uint64_t bar32_max = uint64_t(1) << 31;
constexpr uint64_t rom_max = 16 * 1024 * 1024;

bool page_aligned(std::span<uint8_t> memory)
{
    return reinterpret_cast<uintptr_t>(memory.data()) % page_size == 0;
}

bool valid_access(uint8_t offset, size_t size)
{
    return (size == 1 || size == 2 || size == 4) && (offset & 3) + size <= 4;
}

uint32_t byte_mask(uint8_t offset, size_t size)
{
    uint32_t mask = size == 4 ? 0xFFFFFFFF : (uint32_t(1) << (8 * size)) - 1;
    return mask << (8 * (offset & 3));
}

} // namespace

PciDevice::PciDevice(std::string name, const PciIdentity& identity)
    : m_name(std::move(name))
{
    auto put16 = [this](uint8_t offset, uint16_t value) {
        m_config[offset] = uint8_t(value);
        m_config[offset + 1] = uint8_t(value >> 8);
    };
    put16(config::vendor_id, identity.vendor_id);
    put16(config::device_id, identity.device_id);
    m_config[config::revision] = identity.revision;
    m_config[config::class_code] = uint8_t(identity.class_code);
    m_config[config::class_code + 1] = uint8_t(identity.class_code >> 8);
    m_config[config::class_code + 2] = uint8_t(identity.class_code >> 16);
    m_config[config::header_type] = identity.multifunction ? header_multifunction : 0;
    put16(config::subsystem_vendor_id, identity.subsystem_vendor_id);
    put16(config::subsystem_id, identity.subsystem_id);
    m_config[config::interrupt_pin] = identity.interrupt_pin;

    m_writable[config::command] = uint8_t(command_bits::writable);
    m_writable[config::command + 1] = uint8_t(command_bits::writable >> 8);
    m_writable[config::cache_line_size] = 0xFF;
    m_writable[config::latency_timer] = 0xFF;
    m_writable[config::interrupt_line] = 0xFF;
}

void PciDevice::set_bar_mapper(PciBarMapper* mapper)
{
    std::lock_guard lock(m_mutex);
    m_mapper = mapper;
}

void PciDevice::set_interrupt(InterruptLine interrupt, uint8_t irq_line_value)
{
    std::lock_guard lock(m_mutex);
    m_interrupt = std::move(interrupt);
    m_config[config::interrupt_line] = irq_line_value;
    m_irq_level = false;
    update_interrupt();
}

void PciDevice::config_read(uint8_t offset, std::span<uint8_t> data)
{
    if (!valid_access(offset, data.size())) {
        set_io_value(data, ~uint64_t(0));
        return;
    }
    std::lock_guard lock(m_mutex);
    set_io_value(data, read_dword(offset & ~3) >> (8 * (offset & 3)));
}

void PciDevice::config_write(uint8_t offset, std::span<const uint8_t> data)
{
    if (!valid_access(offset, data.size())) {
        LOG_DEBUG("pci", "%s: ignoring %zu-byte config write at 0x%02x", m_name.c_str(), data.size(), offset);
        return;
    }
    std::lock_guard lock(m_mutex);
    uint32_t value = uint32_t(io_value(data)) << (8 * (offset & 3));
    write_dword(offset & ~3, value, byte_mask(offset, data.size()));
}

std::optional<uint64_t> PciDevice::bar_address(int bar) const
{
    if (bar < 0 || bar > rom_index)
        return {};
    std::lock_guard lock(m_mutex);
    return m_bars[bar].mapped_at;
}

Result<void> PciDevice::declare_bar(int bar, PciBarInfo info)
{
    auto fail = [this, bar](const char* why) {
        return Error { m_name + ": BAR " + std::to_string(bar) + ": " + why };
    };
    if (bar < 0 || bar >= bar_count)
        return fail("no such BAR register");
    if (info.is_64bit && (bar + 1 >= bar_count || info.kind == PciBarKind::Io))
        return fail("a 64-bit BAR must be a memory BAR below BAR 5");
    std::lock_guard lock(m_mutex);
    if (m_bars[bar].declared || m_bars[bar].upper_half || (info.is_64bit && (m_bars[bar + 1].declared || m_bars[bar + 1].upper_half)))
        return fail("register already taken");
    if (!std::has_single_bit(info.size))
        return fail("size is not a power of two");
    switch (info.kind) {
    case PciBarKind::Io:
        if (info.size < io_bar_min || info.size > io_bar_max)
            return fail("I/O BARs are 4 to 256 bytes");
        if (!info.handler)
            return fail("no handler");
        break;
    case PciBarKind::Mmio:
        if (info.size < mmio_bar_min)
            return fail("memory BARs are at least 16 bytes");
        if (!info.handler)
            return fail("no handler");
        break;
    case PciBarKind::Memory:
        if (info.size < page_size)
            return fail("memory-backed BARs are at least a page");
        if (info.memory.size() != info.size || !page_aligned(info.memory))
            return fail("backing memory is not the BAR's size or not page-aligned");
        break;
    }
    if (!info.is_64bit && info.size > bar32_max)
        return fail("too large for a 32-bit BAR");

    m_bars[bar].info = std::move(info);
    m_bars[bar].declared = true;
    if (m_bars[bar].info.is_64bit)
        m_bars[bar + 1].upper_half = true;
    return {};
}

Result<void> PciDevice::declare_rom(std::span<uint8_t> rom)
{
    if (!std::has_single_bit(rom.size()) || rom.size() < page_size || rom.size() > rom_max || !page_aligned(rom))
        return Error { m_name + ": expansion ROM must be a page-aligned power of two from 4 KiB to 16 MiB" };
    std::lock_guard lock(m_mutex);
    Bar& bar = m_bars[rom_index];
    if (bar.declared)
        return Error { m_name + ": expansion ROM declared twice" };
    bar.info.kind = PciBarKind::Memory;
    bar.info.size = rom.size();
    bar.info.read_only = true;
    bar.info.memory = rom;
    bar.declared = true;
    return {};
}

void PciDevice::set_irq_level(bool asserted)
{
    std::lock_guard lock(m_mutex);
    m_irq_asserted = asserted;
    if (asserted)
        m_config[config::status] |= status_interrupt;
    else
        m_config[config::status] &= ~status_interrupt;
    update_interrupt();
}

bool PciDevice::take_dirty_pages(int bar, std::span<uint64_t> bitmap)
{
    PciBarMapper* mapper = nullptr;
    {
        std::lock_guard lock(m_mutex);
        if (bar < 0 || bar >= bar_count || !m_bars[bar].mapped_at || !m_bars[bar].info.log_dirty)
            return false;
        mapper = m_mapper;
    }
    return mapper && mapper->take_dirty_pages(*this, bar, bitmap);
}

void PciDevice::init_config_byte(uint8_t offset, uint8_t value, uint8_t writable_mask)
{
    std::lock_guard lock(m_mutex);
    m_config[offset] = value;
    m_writable[offset] = writable_mask;
}

uint32_t PciDevice::read_dword(uint8_t offset) const
{
    if (offset >= config::bar0 && offset < config::bars_end)
        return bar_register((offset - config::bar0) / 4);
    if (offset == config::rom_address)
        return bar_register(rom_index);
    return uint32_t(m_config[offset]) | uint32_t(m_config[offset + 1]) << 8 | uint32_t(m_config[offset + 2]) << 16
        | uint32_t(m_config[offset + 3]) << 24;
}

void PciDevice::write_dword(uint8_t offset, uint32_t value, uint32_t mask)
{
    int bar = -1;
    if (offset >= config::bar0 && offset < config::bars_end)
        bar = (offset - config::bar0) / 4;
    else if (offset == config::rom_address)
        bar = rom_index;
    if (bar >= 0) {
        // A byte or word write changes only its part of the register.
        write_bar_register(bar, (bar_register(bar) & ~mask) | (value & mask));
        update_mappings();
        return;
    }

    for (unsigned i = 0; i < 4; ++i) {
        if (!(mask & (0xFFu << (8 * i))))
            continue;
        uint8_t& byte = m_config[offset + i];
        uint8_t writable = m_writable[offset + i];
        byte = (byte & ~writable) | (uint8_t(value >> (8 * i)) & writable);
    }
    bool command_written = offset == config::command && (mask & 0xFFFF);
    if (command_written) {
        update_mappings();
        update_interrupt();
    }
}

uint32_t PciDevice::bar_register(int index) const
{
    const Bar& bar = m_bars[index];
    if (bar.upper_half)
        return uint32_t(m_bars[index - 1].address >> 32);
    if (!bar.declared)
        return 0;
    uint32_t value = uint32_t(bar.address);
    if (index == rom_index)
        return value | (bar.rom_enabled ? bar_bits::rom_enable : 0);
    if (bar.info.kind == PciBarKind::Io)
        return value | bar_bits::io;
    if (bar.info.is_64bit)
        value |= bar_bits::memory_64bit;
    if (bar.info.prefetchable)
        value |= bar_bits::prefetchable;
    return value;
}

void PciDevice::write_bar_register(int index, uint32_t value)
{
    Bar& bar = m_bars[index];
    if (bar.upper_half) {
        Bar& lower = m_bars[index - 1];
        lower.address = (lower.address & 0xFFFFFFFF) | ((uint64_t(value) << 32) & address_mask(index - 1));
        return;
    }
    if (!bar.declared)
        return;
    // Address bits below the size are hardwired to 0: that is what makes sizing work.
    bar.address = (bar.address & ~uint64_t(0xFFFFFFFF)) | (value & address_mask(index) & 0xFFFFFFFF);
    if (index == rom_index)
        bar.rom_enabled = value & bar_bits::rom_enable;
}

uint64_t PciDevice::address_mask(int index) const
{
    const Bar& bar = m_bars[index];
    uint64_t mask = ~(bar.info.size - 1);
    if (index == rom_index)
        return mask & bar_bits::rom_address;
    return bar.info.is_64bit ? mask : mask & 0xFFFFFFFF;
}

std::optional<uint64_t> PciDevice::decoded_address(int index) const
{
    const Bar& bar = m_bars[index];
    if (!bar.declared)
        return {};
    uint16_t decode = bar.info.kind == PciBarKind::Io ? command_bits::io_space : command_bits::memory_space;
    if (!(command() & decode))
        return {};
    if (index == rom_index && !bar.rom_enabled)
        return {};
    if (bar.address == 0)
        return {};
    // A register with all its address bits set is being sized, not placed.
    uint64_t mask = address_mask(index);
    if (uint32_t(mask) != 0 && uint32_t(bar.address) == uint32_t(mask))
        return {};
    if (bar.info.is_64bit && uint32_t(bar.address >> 32) == uint32_t(mask >> 32))
        return {};
    if (bar.info.kind == PciBarKind::Io && bar.address + bar.info.size > io_space_size)
        return {};
    return bar.address;
}

uint16_t PciDevice::command() const
{
    return uint16_t(m_config[config::command] | m_config[config::command + 1] << 8);
}

void PciDevice::update_mappings()
{
    for (int index = 0; index <= rom_index; ++index) {
        Bar& bar = m_bars[index];
        if (!bar.declared)
            continue;
        std::optional<uint64_t> wanted = decoded_address(index);
        if (wanted == bar.mapped_at)
            continue;
        if (m_mapper && bar.mapped_at)
            m_mapper->bar_unmapped(*this, index, bar.info, *bar.mapped_at);
        bar.mapped_at = wanted;
        if (m_mapper && wanted)
            m_mapper->bar_mapped(*this, index, bar.info, *wanted);
    }
}

void PciDevice::update_interrupt()
{
    bool level = m_irq_asserted && !(command() & command_bits::interrupt_disable);
    if (level == m_irq_level)
        return;
    m_irq_level = level;
    m_interrupt.set_level(level);
}

} // namespace spicebox
