#include "vmm/shadow_ram.h"

#include "base/log.h"

#include <cinttypes>

namespace spicebox {

namespace {

constexpr uint64_t segment_granule = 0x4000;
constexpr uint8_t nothing_answers = 0xFF;

bool reads_ram(PamAccess access)
{
    return access == PamAccess::ReadOnly || access == PamAccess::ReadWrite;
}

bool writes_ram(PamAccess access)
{
    return access == PamAccess::WriteOnly || access == PamAccess::ReadWrite;
}

} // namespace

ShadowRam::ShadowRam(MemorySlots& slots, std::span<uint8_t> ram, std::span<uint8_t> rom_alias)
    : m_slots(slots)
    , m_ram(ram)
    , m_rom_alias(rom_alias)
    , m_rom_alias_offset(area_size - rom_alias.size())
{
}

Result<std::shared_ptr<ShadowRam>> ShadowRam::create(MemorySlots& slots, std::span<uint8_t> ram, std::span<uint8_t> rom_alias)
{
    if (ram.size() != area_size)
        return Error { "shadow RAM: the BIOS area needs " + std::to_string(area_size) + " bytes of RAM" };
    if (rom_alias.size() > area_size || rom_alias.size() % segment_granule != 0)
        return Error { "shadow RAM: a ROM alias of " + std::to_string(rom_alias.size()) + " bytes does not fit the PAM segments" };
    std::shared_ptr<ShadowRam> shadow(new ShadowRam(slots, ram, rom_alias));
    std::lock_guard lock(shadow->m_mutex);
    for (size_t segment = 0; segment < pam_segment_count; ++segment)
        TRY(shadow->map_segment(segment));
    return shadow;
}

void ShadowRam::pam_changed(size_t segment, PamAccess access)
{
    if (segment >= pam_segment_count)
        return;
    std::lock_guard lock(m_mutex);
    m_access[segment] = access;
    if (auto mapped = map_segment(segment); !mapped)
        LOG_ERROR("shadow-ram", "segment at 0x%" PRIx64 ": %s", pam_segment(segment).address, mapped.error().message.c_str());
}

// Replaces the segment's slot with the one its access asks for (KVM cannot change a slot's
// read-only flag in place). Between the two calls the segment exits to io_read/io_write, which
// already follow the new access.
Result<void> ShadowRam::map_segment(size_t segment)
{
    if (auto old = std::exchange(m_slot_ids[segment], std::nullopt))
        TRY(m_slots.remove_memory(*old));

    auto [address, size] = pam_segment(segment);
    uint64_t offset = address - pam_area_start;
    PamAccess access = m_access[segment];
    std::span<uint8_t> backing;
    if (reads_ram(access))
        backing = m_ram.subspan(offset, size);
    else if (offset >= m_rom_alias_offset)
        backing = m_rom_alias.subspan(offset - m_rom_alias_offset, size);
    if (backing.empty())
        return {};
    MemorySlotFlags flags { .read_only = access != PamAccess::ReadWrite };
    m_slot_ids[segment] = TRY(m_slots.add_memory(address, backing, flags));
    return {};
}

size_t ShadowRam::segment_of(uint64_t offset) const
{
    uint64_t address = pam_area_start + offset;
    if (address >= pam_segment(0).address)
        return 0;
    return 1 + offset / segment_granule;
}

std::optional<uint8_t> ShadowRam::rom_byte(uint64_t offset) const
{
    if (offset < m_rom_alias_offset)
        return std::nullopt;
    return m_rom_alias[offset - m_rom_alias_offset];
}

void ShadowRam::io_read(uint64_t offset, std::span<uint8_t> data)
{
    std::lock_guard lock(m_mutex);
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        if (at >= area_size) {
            data[i] = nothing_answers;
            continue;
        }
        if (reads_ram(m_access[segment_of(at)]))
            data[i] = m_ram[at];
        else
            data[i] = rom_byte(at).value_or(nothing_answers);
    }
}

void ShadowRam::io_write(uint64_t offset, std::span<const uint8_t> data)
{
    std::lock_guard lock(m_mutex);
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        if (at < area_size && writes_ram(m_access[segment_of(at)]))
            m_ram[at] = data[i];
    }
}

} // namespace spicebox
