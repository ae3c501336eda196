// PCI configuration mechanism #1 (CONFIG_ADDRESS at 0xCF8, CONFIG_DATA at 0xCFC..0xCFF; the machine
// maps base 0xCF8, size 8) and bus 0 with its devices.
//
// CONFIG_ADDRESS is a 32-bit latch that also takes byte and word writes (Linux's type-1 probe
// writes a byte to 0xCFB, then a dword to 0xCF8, and expects to read the dword back). A
// CONFIG_DATA access reaches register (address & 0xFC) plus the data port's byte offset, of the
// function the address selects, when the enable bit (31) is set. Only bus 0 exists; other buses,
// absent devices and absent functions read all-ones and ignore writes. Functions other than 0
// answer only where a device was added for them. An access straddling 0xCFB/0xCFC is ignored
// (reads all-ones).
//
// Slot 0 is the host bridge function itself, with the identity SeaBIOS recognises as QEMU's i440FX
// (8086:1237, class 0x060000, subsystem 1af4:1100: see SeaBIOS qemu_detect, src/fw/paravirt.c).
// Its PAM registers (0x59..0x5F, see pam.h) are writable bytes; with a PamMapper, each write that
// changes a segment's access is handed to it, so that the machine remaps 0xC0000..0xFFFFF (firmware
// boot). Without one they only read back. The SMRAM register (0x72) only reads back.
//
// Threads: a mutex guards the address latch and the device table; it is released before a device's
// configuration space is accessed (the device has its own lock). A second one serialises PAM
// updates, and is held while the PamMapper runs.
#pragma once

#include "base/result.h"
#include "devices/io_device.h"
#include "devices/pam.h"
#include "devices/pci_device.h"

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>

namespace spicebox {

class PciHostBridge final : public IoDevice {
public:
    static constexpr uint8_t slot_count = 32;
    static constexpr uint8_t function_count = 8;

    // `mapper` must outlive the bridge and its devices; it is handed to every device added. `pam`,
    // if given, must stay valid while the guest can write the PAM registers.
    explicit PciHostBridge(PciBarMapper& mapper, PamMapper* pam = nullptr);

    // Fails if the slot or function is out of range or taken (slot 0 is the host bridge's).
    Result<void> add_device(uint8_t slot, std::shared_ptr<PciDevice> device, uint8_t function = 0);

    void io_read(uint64_t offset, std::span<uint8_t> data) override;
    void io_write(uint64_t offset, std::span<const uint8_t> data) override;
    std::string_view io_name() const override { return "pci-host-bridge"; }

private:
    struct Selection {
        std::shared_ptr<PciDevice> function; // null when nothing answers the latched address
        uint8_t register_offset { 0 };
    };
    Selection selected() const;
    void update_pam();

    PciBarMapper& m_mapper;
    PamMapper* m_pam;
    std::mutex m_pam_mutex;
    std::array<PamAccess, pam_segment_count> m_pam_access {};
    mutable std::mutex m_mutex;
    std::array<uint8_t, 4> m_address {};
    std::array<std::shared_ptr<PciDevice>, slot_count * function_count> m_functions;
};

} // namespace spicebox
