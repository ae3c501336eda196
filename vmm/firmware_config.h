// What firmware learns about the machine through fw_cfg: the items QEMU's PC machine provides that
// SeaBIOS reads on its way to the boot menu (src/fw/paravirt.c qemu_cfg_init, qemu_early_e820,
// qemu_cfg_legacy; src/boot.c), with the values of this machine:
//   RAM size, CPU counts, an empty NUMA table, the IRQ0 override (the PIT reaches IOAPIC pin 2),
//   boot menu off;
//   etc/e820: RAM below and above the PCI hole, and the KVM identity-map/TSS pages reserved, in
//     QEMU's layout (le64 address, le64 length, le32 type, packed);
//   etc/boot-fail-wait: -1, so that with nothing to boot SeaBIOS prints "No bootable device." and
//     waits instead of rebooting every minute;
//   bootorder: empty (no preference).
// SeaBIOS builds ACPI, SMBIOS, MP and PIR tables itself when QEMU's are absent.
#pragma once

#include "base/result.h"
#include "devices/fw_cfg.h"
#include "vmm/e820.h"

#include <cstdint>
#include <vector>

namespace spicebox {

// The etc/e820 file's bytes for `ram_size` bytes of RAM laid out as in memory_layout.h.
std::vector<uint8_t> firmware_e820_file(uint64_t ram_size);

Result<void> add_firmware_config(FwCfg&, uint64_t ram_size, unsigned cpu_count);

} // namespace spicebox
