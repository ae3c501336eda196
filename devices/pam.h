// The i440FX's Programmable Attribute Map (Intel 82441FX datasheet, host bridge registers
// 0x59..0x5F; QEMU hw/pci-host/i440fx.c, pam.c): how the chipset routes CPU accesses to
// 0xC0000..0xFFFFF, where firmware copies ("shadows") itself and option ROMs into RAM.
//
// Thirteen segments: PAM0 bits 5:4 govern 0xF0000..0xFFFFF (64 KiB; bits 3:0 are reserved), and
// PAM1..PAM6 two 16 KiB segments each from 0xC0000 up, bits 1:0 the lower one and bits 5:4 the upper
// one. In each pair, the low bit (RE) sends reads to DRAM and the high bit (WE) writes; what DRAM
// does not take goes to PCI, where the BIOS ROM's low alias answers 0xE0000..0xFFFFF. After reset
// every pair is 0: the whole area is the ROM (or nothing).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace spicebox {

enum class PamAccess : uint8_t {
    Pci = 0,       // reads and writes go to PCI (the BIOS ROM alias, or nothing)
    ReadOnly = 1,  // reads from DRAM, writes to PCI
    WriteOnly = 2, // reads from PCI, writes to DRAM
    ReadWrite = 3, // DRAM
};

struct PamSegment {
    uint64_t address;
    uint64_t size;
};

inline constexpr uint8_t pam_first_register = 0x59;
inline constexpr size_t pam_register_count = 7;
inline constexpr size_t pam_segment_count = 13;
inline constexpr uint64_t pam_area_start = 0xC0000;
inline constexpr uint64_t pam_area_end = 0x100000;

// Segment 0 is 0xF0000..0xFFFFF; segments 1..12 are the 16 KiB ones from 0xC0000 up.
constexpr PamSegment pam_segment(size_t index)
{
    constexpr uint64_t small_size = 0x4000;
    if (index == 0)
        return { 0xF0000, 0x10000 };
    return { pam_area_start + (index - 1) * small_size, small_size };
}

// The segment's access as the registers 0x59..0x5F (in order) select it.
PamAccess pam_access(std::span<const uint8_t, pam_register_count> registers, size_t segment);

// Implemented by the machine: puts RAM or ROM behind a segment. Called on the vCPU thread that wrote
// the register, once per segment whose access changed, in segment order; all segments start as
// PamAccess::Pci. The host bridge holds no device lock during the call.
class PamMapper {
public:
    virtual ~PamMapper() = default;
    virtual void pam_changed(size_t segment, PamAccess) = 0;
};

} // namespace spicebox
