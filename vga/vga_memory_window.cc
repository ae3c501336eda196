#include "vga/vga_memory_window.h"

#include <cstring>

namespace spicebox::vga {

namespace {

constexpr uint8_t unanswered_read = 0xFF;
constexpr uint32_t window_64k = 0x10000;
constexpr uint32_t window_32k = 0x8000;
constexpr uint32_t b0000_start = 0x10000;
constexpr uint32_t b8000_start = 0x18000;
constexpr unsigned planes = 4;

enum class AluFunction : uint8_t { Replace = 0, And = 1, Or = 2, Xor = 3 };

// A 4-bit plane set as a mask over the four latch bytes.
constexpr uint32_t expand_planes(uint8_t plane_bits)
{
    uint32_t mask = 0;
    for (unsigned plane = 0; plane < planes; ++plane) {
        if (plane_bits & (1u << plane))
            mask |= 0xFFu << (8 * plane);
    }
    return mask;
}

constexpr uint32_t replicate(uint8_t byte) { return uint32_t(byte) * 0x01010101u; }

constexpr uint8_t rotate_right(uint8_t value, unsigned count)
{
    count &= 7;
    return uint8_t((value >> count) | (value << ((8 - count) & 7)));
}

struct Sequencing {
    bool chain4;
    uint8_t map_mask;
};

// While the VBE drives a packed-pixel mode the window always sees chain-4 over all planes (QEMU's sr_vbe).
Sequencing sequencing(const VgaRegisterFile& regs, const BochsVbe& vbe)
{
    Sequencing result { bool(regs.sequencer(Seq::MemoryMode) & seq::chain4), regs.sequencer(Seq::MapMask) };
    if (vbe.enabled() && vbe.bpp() != 4) {
        result.chain4 = true;
        result.map_mask |= seq::all_planes;
    }
    return result;
}

}

std::optional<uint32_t> VgaMemoryWindow::vga_offset(const VgaRegisterFile& regs, const BochsVbe& vbe, uint32_t offset) const
{
    offset &= window_size - 1;
    switch (regs.memory_map()) {
    case MemoryMap::A0000_128K:
        return offset;
    case MemoryMap::A0000_64K:
        if (offset >= window_64k)
            return {};
        return offset + vbe.bank_offset();
    case MemoryMap::B0000_32K:
        if (offset < b0000_start || offset - b0000_start >= window_32k)
            return {};
        return offset - b0000_start;
    case MemoryMap::B8000_32K:
        if (offset < b8000_start)
            return {};
        return offset - b8000_start;
    }
    return {};
}

uint8_t VgaMemoryWindow::read(const VgaRegisterFile& regs, const BochsVbe& vbe, uint32_t window_offset)
{
    auto offset = vga_offset(regs, vbe, window_offset);
    if (!offset)
        return unanswered_read;
    uint64_t address = *offset;
    Sequencing seq = sequencing(regs, vbe);
    uint8_t mode = regs.graphics(Gfx::Mode);

    if (seq.chain4)
        return address < m_vram.size() ? m_vram[address] : unanswered_read;

    if (mode & gfx::host_odd_even) {
        unsigned plane = (regs.graphics(Gfx::ReadMapSelect) & 2) | (address & 1);
        uint64_t byte = ((address & ~uint64_t(1)) << 1) | plane;
        return byte < m_vram.size() ? m_vram[byte] : unanswered_read;
    }

    uint64_t byte = address * planes;
    if (byte + planes > m_vram.size())
        return unanswered_read;
    std::memcpy(&m_latch, &m_vram[byte], planes);

    if (!(mode & gfx::read_mode_compare)) {
        unsigned plane = regs.graphics(Gfx::ReadMapSelect) & 3;
        return uint8_t(m_latch >> (8 * plane));
    }
    // Read mode 1: a bit is set where every plane that matters matches the colour compare value.
    uint32_t differences = (m_latch ^ expand_planes(regs.graphics(Gfx::ColorCompare))) & expand_planes(regs.graphics(Gfx::ColorDontCare));
    differences |= differences >> 16;
    differences |= differences >> 8;
    return uint8_t(~differences);
}

std::optional<VgaMemoryWindow::Touched> VgaMemoryWindow::write(const VgaRegisterFile& regs, const BochsVbe& vbe, uint32_t window_offset, uint8_t value)
{
    auto offset = vga_offset(regs, vbe, window_offset);
    if (!offset)
        return {};
    uint64_t address = *offset;
    Sequencing seq = sequencing(regs, vbe);
    uint8_t mode = regs.graphics(Gfx::Mode);

    if (seq.chain4) {
        unsigned plane = address & 3;
        if (!(seq.map_mask & (1u << plane)) || address >= m_vram.size())
            return {};
        m_vram[address] = value;
        return Touched { uint32_t(address), 1 };
    }

    if (mode & gfx::host_odd_even) {
        unsigned plane = (regs.graphics(Gfx::ReadMapSelect) & 2) | (address & 1);
        uint64_t byte = ((address & ~uint64_t(1)) << 1) | plane;
        if (!(seq.map_mask & (1u << plane)) || byte >= m_vram.size())
            return {};
        m_vram[byte] = value;
        return Touched { uint32_t(byte), 1 };
    }

    uint64_t byte = address * planes;
    if (byte + planes > m_vram.size())
        return {};

    uint8_t rotate_function = regs.graphics(Gfx::DataRotate);
    unsigned rotate = rotate_function & gfx::rotate_mask;
    uint32_t data = 0;
    uint8_t bit_mask = regs.graphics(Gfx::BitMask);
    bool use_alu = true;
    switch (mode & gfx::write_mode_mask) {
    case 0: {
        uint32_t set_reset = expand_planes(regs.graphics(Gfx::EnableSetReset));
        data = (replicate(rotate_right(value, rotate)) & ~set_reset) | (expand_planes(regs.graphics(Gfx::SetReset)) & set_reset);
        break;
    }
    case 1:
        data = m_latch; // the latches are copied as they are
        use_alu = false;
        break;
    case 2:
        data = expand_planes(value & 0x0F);
        break;
    case 3:
        bit_mask &= rotate_right(value, rotate);
        data = expand_planes(regs.graphics(Gfx::SetReset));
        break;
    }
    if (use_alu) {
        switch (AluFunction(rotate_function >> gfx::function_shift)) {
        case AluFunction::Replace:
            break;
        case AluFunction::And:
            data &= m_latch;
            break;
        case AluFunction::Or:
            data |= m_latch;
            break;
        case AluFunction::Xor:
            data ^= m_latch;
            break;
        }
        uint32_t bits = replicate(bit_mask);
        data = (data & bits) | (m_latch & ~bits);
    }

    uint32_t plane_mask = expand_planes(seq.map_mask);
    uint32_t current;
    std::memcpy(&current, &m_vram[byte], planes);
    current = (current & ~plane_mask) | (data & plane_mask);
    std::memcpy(&m_vram[byte], &current, planes);
    return Touched { uint32_t(byte), planes };
}

} // namespace spicebox::vga
