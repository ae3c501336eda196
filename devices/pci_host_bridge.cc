#include "devices/pci_host_bridge.h"

namespace spicebox {

namespace {

enum class Port : uint64_t {
    Address = 0, // 0xCF8..0xCFB
    Data = 4,    // 0xCFC..0xCFF
};
constexpr uint64_t port_width = 4;

namespace address_bits {
constexpr uint32_t enable = 0x80000000;
constexpr unsigned bus_shift = 16;
constexpr unsigned slot_shift = 11;
constexpr unsigned function_shift = 8;
constexpr uint32_t register_mask = 0xFC;
}

// 00:00.0 as QEMU's i440FX presents it.
constexpr PciIdentity i440fx_identity {
    .vendor_id = 0x8086,
    .device_id = 0x1237,
    .revision = 0x02,
    .class_code = 0x060000, // bridge, host bridge
    .subsystem_vendor_id = 0x1AF4, // Red Hat: SeaBIOS takes "1af4:1100" to mean QEMU
    .subsystem_id = 0x1100,
};

namespace i440fx {
constexpr uint8_t smram = 0x72;
constexpr uint8_t smram_after_reset = 0x02; // C_BASE_SEG = 010b: SMRAM at 0xA0000
}

class HostBridgeFunction final : public PciDevice {
public:
    HostBridgeFunction()
        : PciDevice("i440fx", i440fx_identity)
    {
        for (size_t i = 0; i < pam_register_count; ++i)
            init_config_byte(uint8_t(pam_first_register + i), 0, 0xFF);
        init_config_byte(i440fx::smram, i440fx::smram_after_reset, 0xFF);
    }
};

} // namespace

PciHostBridge::PciHostBridge(PciBarMapper& mapper, PamMapper* pam)
    : m_mapper(mapper)
    , m_pam(pam)
{
    m_functions[0] = std::make_shared<HostBridgeFunction>();
    m_functions[0]->set_bar_mapper(&m_mapper);
}

Result<void> PciHostBridge::add_device(uint8_t slot, std::shared_ptr<PciDevice> device, uint8_t function)
{
    if (!device)
        return Error { "pci: no device" };
    if (slot >= slot_count || function >= function_count)
        return Error { "pci: " + device->name() + ": no slot " + std::to_string(slot) + " function " + std::to_string(function) };
    std::lock_guard lock(m_mutex);
    auto& entry = m_functions[slot * function_count + function];
    if (entry)
        return Error { "pci: " + device->name() + ": slot " + std::to_string(slot) + " function " + std::to_string(function) + " is taken by " + entry->name() };
    device->set_bar_mapper(&m_mapper);
    entry = std::move(device);
    return {};
}

void PciHostBridge::io_read(uint64_t offset, std::span<uint8_t> data)
{
    set_io_value(data, ~uint64_t(0));
    if (offset + data.size() <= port_width) {
        std::lock_guard lock(m_mutex);
        for (size_t i = 0; i < data.size(); ++i)
            data[i] = m_address[offset + i];
        return;
    }
    if (offset < uint64_t(Port::Data) || offset + data.size() > uint64_t(Port::Data) + port_width)
        return;
    Selection selection = selected();
    if (selection.function)
        selection.function->config_read(uint8_t(selection.register_offset + (offset - uint64_t(Port::Data))), data);
}

void PciHostBridge::io_write(uint64_t offset, std::span<const uint8_t> data)
{
    if (offset + data.size() <= port_width) {
        std::lock_guard lock(m_mutex);
        for (size_t i = 0; i < data.size(); ++i)
            m_address[offset + i] = data[i];
        return;
    }
    if (offset < uint64_t(Port::Data) || offset + data.size() > uint64_t(Port::Data) + port_width)
        return;
    Selection selection = selected();
    if (!selection.function)
        return;
    auto register_offset = uint8_t(selection.register_offset + (offset - uint64_t(Port::Data)));
    selection.function->config_write(register_offset, data);
    bool touches_pam = register_offset < pam_first_register + pam_register_count
        && register_offset + data.size() > pam_first_register;
    if (m_pam && touches_pam && selection.function == m_functions[0])
        update_pam();
}

// Reads the registers back (their writable masks apply) and reports each segment that changed.
void PciHostBridge::update_pam()
{
    std::lock_guard lock(m_pam_mutex);
    std::array<uint8_t, pam_register_count> registers {};
    for (size_t i = 0; i < registers.size(); ++i)
        m_functions[0]->config_read(uint8_t(pam_first_register + i), std::span(registers).subspan(i, 1));
    for (size_t segment = 0; segment < pam_segment_count; ++segment) {
        PamAccess access = pam_access(registers, segment);
        if (access == m_pam_access[segment])
            continue;
        m_pam_access[segment] = access;
        m_pam->pam_changed(segment, access);
    }
}

PciHostBridge::Selection PciHostBridge::selected() const
{
    std::lock_guard lock(m_mutex);
    uint32_t address = uint32_t(m_address[0]) | uint32_t(m_address[1]) << 8 | uint32_t(m_address[2]) << 16 | uint32_t(m_address[3]) << 24;
    if (!(address & address_bits::enable) || uint8_t(address >> address_bits::bus_shift) != 0)
        return {};
    unsigned slot = (address >> address_bits::slot_shift) & (slot_count - 1);
    unsigned function = (address >> address_bits::function_shift) & (function_count - 1);
    return { m_functions[slot * function_count + function], uint8_t(address & address_bits::register_mask) };
}

} // namespace spicebox
