// The BIOS area 0xC0000..0xFFFFF under firmware boot, decoded as the i440FX's PAM registers ask
// (devices/pam.h), with KVM memory slots: per segment, RAM read-write, RAM read-only, the BIOS ROM's
// low alias read-only (where it lies, 0xE0000 or 0xF0000 up to 1 MiB), or no slot.
//
// KVM cannot send reads and writes of one page to different places, so the accesses a slot cannot
// serve exit as MMIO (writes to read-only slots, anything where there is no slot) and land in this
// device, mapped on the MMIO bus over the whole area: a write goes to the RAM when the segment's WE
// bit is set and is dropped otherwise; a read comes from the RAM when RE is set, else from the ROM
// alias, else reads all-ones (nothing on PCI answers). Every PAM combination therefore behaves as
// on the chipset, with one limit: code cannot be executed from a segment that has no slot (KVM
// cannot fetch instructions through MMIO exits), which only matters below the ROM alias with RE
// clear, where a real chipset would have nothing to execute either.
//
// Firmware's own DMA (fw_cfg) reaches the RAM through GuestMemory whatever the PAM state.
//
// Threads: one mutex guards the segment table; slot changes and trapped accesses take it.
#pragma once

#include "base/result.h"
#include "devices/io_device.h"
#include "devices/pam.h"
#include "vmm/memory_slots.h"

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

namespace spicebox {

class ShadowRam final : public PamMapper, public IoDevice {
public:
    static constexpr uint64_t area_size = pam_area_end - pam_area_start;

    // `ram` is the area's RAM (area_size bytes, page-aligned); `rom_alias` the bytes that answer
    // below 1 MiB (the ROM's last 64 or 128 KiB). Maps every segment as PamAccess::Pci, the state
    // after reset. Both spans and `slots` must outlive the device.
    static Result<std::shared_ptr<ShadowRam>> create(MemorySlots& slots, std::span<uint8_t> ram, std::span<uint8_t> rom_alias);

    // |PamMapper|: failures are logged (the guest wrote the register either way).
    void pam_changed(size_t segment, PamAccess) override;

    // |IoDevice| at pam_area_start, size area_size, on the MMIO bus.
    void io_read(uint64_t offset, std::span<uint8_t> data) override;
    void io_write(uint64_t offset, std::span<const uint8_t> data) override;
    std::string_view io_name() const override { return "shadow-ram"; }

private:
    ShadowRam(MemorySlots&, std::span<uint8_t> ram, std::span<uint8_t> rom_alias);
    Result<void> map_segment(size_t segment);
    size_t segment_of(uint64_t offset) const;
    std::optional<uint8_t> rom_byte(uint64_t offset) const;

    MemorySlots& m_slots;
    std::span<uint8_t> m_ram;
    std::span<uint8_t> m_rom_alias;
    uint64_t m_rom_alias_offset; // where the alias starts, from pam_area_start
    std::mutex m_mutex;
    std::array<PamAccess, pam_segment_count> m_access {};
    std::array<std::optional<uint32_t>, pam_segment_count> m_slot_ids {};
};

} // namespace spicebox
