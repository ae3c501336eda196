#include "devices/pam.h"

namespace spicebox {

namespace {
constexpr uint8_t access_mask = 0x3;
constexpr unsigned upper_segment_shift = 4;
}

PamAccess pam_access(std::span<const uint8_t, pam_register_count> registers, size_t segment)
{
    if (segment >= pam_segment_count)
        return PamAccess::Pci;
    // Segment 0 is PAM0's upper pair; segment n >= 1 is PAM((n + 1) / 2), odd n the lower pair.
    size_t reg = (segment + 1) / 2;
    bool upper = segment % 2 == 0;
    return PamAccess((registers[reg] >> (upper ? upper_segment_shift : 0)) & access_mask);
}

} // namespace spicebox
