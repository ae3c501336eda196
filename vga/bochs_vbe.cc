#include "vga/bochs_vbe.h"

#include <algorithm>

namespace spicebox::vga {

namespace {

constexpr uint16_t width_alignment_mask = uint16_t(~7u);
constexpr uint16_t min_xres = 8;
constexpr uint16_t fallback_bpp = 8;

bool valid_bpp(uint16_t bpp)
{
    switch (bpp) {
    case 4:
    case 8:
    case 15:
    case 16:
    case 24:
    case 32:
        return true;
    default:
        return false;
    }
}

}

BochsVbe::BochsVbe(uint32_t video_memory)
    : m_video_memory(video_memory)
{
    m_regs[unsigned(DispiIndex::Id)] = dispi::id5;
}

uint16_t BochsVbe::read_data() const
{
    if (m_index == uint16_t(DispiIndex::VideoMemory64K))
        return uint16_t(std::min<uint32_t>(m_video_memory / dispi::bank_size, UINT16_MAX));
    if (m_index >= dispi_register_count)
        return 0;
    if (m_regs[unsigned(DispiIndex::Enable)] & dispi::get_caps) {
        switch (DispiIndex(m_index)) {
        case DispiIndex::XRes:
            return dispi::max_xres;
        case DispiIndex::YRes:
            return dispi::max_yres;
        case DispiIndex::Bpp:
            return dispi::max_bpp;
        default:
            break;
        }
    }
    return m_regs[m_index];
}

BochsVbe::WriteEffect BochsVbe::write_data(uint16_t value)
{
    WriteEffect effect;
    if (m_index >= dispi_register_count)
        return effect;
    uint16_t& reg = m_regs[m_index];
    switch (DispiIndex(m_index)) {
    case DispiIndex::Id:
        if (value >= dispi::id0 && value <= dispi::id5)
            reg = value;
        break;
    case DispiIndex::XRes:
    case DispiIndex::YRes:
    case DispiIndex::Bpp:
    case DispiIndex::VirtWidth:
    case DispiIndex::XOffset:
    case DispiIndex::YOffset:
        reg = value;
        sanitize();
        effect.vga_registers = enabled();
        break;
    case DispiIndex::Bank: {
        uint32_t banks = std::max<uint32_t>(m_video_memory / dispi::bank_size, 1);
        reg = uint16_t(value % banks);
        m_bank_offset = uint32_t(reg) * dispi::bank_size;
        break;
    }
    case DispiIndex::Enable: {
        bool turning_on = (value & dispi::enabled) && !enabled();
        if (turning_on) {
            m_regs[unsigned(DispiIndex::VirtWidth)] = 0;
            m_regs[unsigned(DispiIndex::XOffset)] = 0;
            m_regs[unsigned(DispiIndex::YOffset)] = 0;
            reg |= dispi::enabled;
            sanitize();
            effect.vga_registers = true;
            if (!(value & dispi::no_clear_mem))
                effect.clear_bytes = height() * m_line_length;
        } else {
            m_bank_offset = 0;
        }
        reg = value;
        effect.enable_written = true;
        break;
    }
    case DispiIndex::VirtHeight:
    case DispiIndex::VideoMemory64K:
        break; // read-only
    }
    return effect;
}

void BochsVbe::sanitize()
{
    if (!enabled())
        return;
    uint16_t& bpp = m_regs[unsigned(DispiIndex::Bpp)];
    uint16_t& xres = m_regs[unsigned(DispiIndex::XRes)];
    uint16_t& yres = m_regs[unsigned(DispiIndex::YRes)];
    uint16_t& virt_width = m_regs[unsigned(DispiIndex::VirtWidth)];
    uint16_t& x_offset = m_regs[unsigned(DispiIndex::XOffset)];
    uint16_t& y_offset = m_regs[unsigned(DispiIndex::YOffset)];

    if (!valid_bpp(bpp))
        bpp = fallback_bpp;
    uint64_t bits = vbe_storage_bits(bpp);

    xres = std::clamp<uint16_t>(xres & width_alignment_mask, min_xres, dispi::max_xres);
    virt_width = std::clamp<uint16_t>(virt_width & width_alignment_mask, xres, dispi::max_xres);

    uint64_t line_length = virt_width * bits / 8;
    uint64_t max_lines = m_video_memory / line_length;
    yres = uint16_t(std::clamp<uint64_t>(yres, 1, std::max<uint64_t>(std::min<uint64_t>(dispi::max_yres, max_lines), 1)));

    x_offset = std::min(x_offset, dispi::max_xres);
    uint64_t visible_bytes = yres * line_length;
    uint64_t start = x_offset * bits / 8 + y_offset * line_length;
    if (start + visible_bytes > m_video_memory) {
        y_offset = 0;
        start = x_offset * bits / 8;
        if (start + visible_bytes > m_video_memory) {
            x_offset = 0;
            start = 0;
        }
    }

    m_regs[unsigned(DispiIndex::VirtHeight)] = uint16_t(std::min<uint64_t>(max_lines, UINT16_MAX));
    m_line_length = uint32_t(line_length);
    m_start_offset = uint32_t(start);
}

} // namespace spicebox::vga
