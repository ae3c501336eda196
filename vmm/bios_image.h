// A BIOS image for firmware boot, as a PC's flash presents it: mapped read-only right below 4 GiB
// (its last byte at 0xFFFFFFFF, so the reset vector at 0xFFFFFFF0 is its sixteenth-last byte), and
// its last 128 KiB (the whole image if smaller) answering again below 1 MiB through the PAM logic
// (QEMU hw/i386/pc_sysfw.c, x86_bios_rom_init). The bytes live in page-aligned host memory owned
// here, as KVM memory slots need.
#pragma once

#include "base/result.h"

#include <cstdint>
#include <span>
#include <string>

namespace spicebox {

class BiosImage {
public:
    static constexpr uint64_t min_size = 64 * 1024;
    static constexpr uint64_t max_size = 16 * 1024 * 1024; // layout::bios_rom_max_size
    static constexpr uint64_t size_granule = 64 * 1024;
    static constexpr uint64_t max_low_alias = 128 * 1024;

    // Copies `file` after checking its size; `name` (the path) is what the error names.
    static Result<BiosImage> create(std::span<const uint8_t> file, const std::string& name);

    BiosImage(BiosImage&&) noexcept;
    BiosImage& operator=(BiosImage&&) noexcept;
    ~BiosImage();

    std::span<uint8_t> bytes() const { return m_bytes; }
    // Where the image sits: 4 GiB minus its size.
    uint64_t guest_address() const;
    // The tail that also answers right below 1 MiB.
    std::span<uint8_t> low_alias() const;

private:
    explicit BiosImage(std::span<uint8_t> bytes) : m_bytes(bytes) { }
    std::span<uint8_t> m_bytes;
};

} // namespace spicebox
