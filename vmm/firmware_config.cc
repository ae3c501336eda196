#include "vmm/firmware_config.h"

#include "vmm/memory_layout.h"

namespace spicebox {

namespace {

template<typename T>
std::vector<uint8_t> little_endian(T value)
{
    std::vector<uint8_t> bytes(sizeof(T));
    for (size_t i = 0; i < sizeof(T); ++i)
        bytes[i] = uint8_t(uint64_t(value) >> (8 * i));
    return bytes;
}

void append(std::vector<uint8_t>& bytes, const std::vector<uint8_t>& more)
{
    bytes.insert(bytes.end(), more.begin(), more.end());
}

constexpr uint32_t boot_fail_wait_forever = 0xFFFFFFFF;
constexpr uint32_t irq0_override = 1;
constexpr uint16_t boot_menu_off = 0;

} // namespace

std::vector<uint8_t> firmware_e820_file(uint64_t ram_size)
{
    std::vector<E820Entry> entries;
    uint64_t low_end = layout::low_ram_end(ram_size);
    entries.push_back({ 0, low_end, E820Type::Ram });
    entries.push_back({ layout::kvm_identity_map_address, layout::kvm_private_pages_size, E820Type::Reserved });
    if (ram_size > low_end)
        entries.push_back({ layout::high_ram_start, ram_size - low_end, E820Type::Ram });

    std::vector<uint8_t> bytes;
    for (auto& entry : entries) {
        append(bytes, little_endian(entry.address));
        append(bytes, little_endian(entry.size));
        append(bytes, little_endian(uint32_t(entry.type)));
    }
    return bytes;
}

Result<void> add_firmware_config(FwCfg& fw_cfg, uint64_t ram_size, unsigned cpu_count)
{
    TRY(fw_cfg.add_item(FwCfgKey::RamSize, little_endian(ram_size)));
    TRY(fw_cfg.add_item(FwCfgKey::NbCpus, little_endian(uint16_t(cpu_count))));
    TRY(fw_cfg.add_item(FwCfgKey::MaxCpus, little_endian(uint16_t(cpu_count))));
    // The node count (none), then each CPU's node.
    std::vector<uint8_t> numa = little_endian(uint64_t(0));
    numa.resize(numa.size() + size_t(cpu_count) * sizeof(uint64_t));
    TRY(fw_cfg.add_item(FwCfgKey::Numa, std::move(numa)));
    TRY(fw_cfg.add_item(FwCfgKey::BootMenu, little_endian(boot_menu_off)));
    TRY(fw_cfg.add_item(FwCfgKey::IrqOverride, little_endian(irq0_override)));
    TRY(fw_cfg.add_file("etc/e820", firmware_e820_file(ram_size)));
    TRY(fw_cfg.add_file("etc/boot-fail-wait", little_endian(boot_fail_wait_forever)));
    TRY(fw_cfg.add_file("bootorder", {}));
    return {};
}

} // namespace spicebox
