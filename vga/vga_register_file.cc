#include "vga/vga_register_file.h"

namespace spicebox::vga {

namespace {

constexpr uint8_t unanswered_read = 0xFF;

// 6-bit DAC values fill the 8-bit range by repeating their top bits in the low ones.
constexpr uint8_t expand_6bit(uint8_t value)
{
    value &= dac_6bit_mask;
    return uint8_t(value << 2 | value >> 4);
}

}

VgaRegisterFile::VgaRegisterFile() = default;

bool VgaRegisterFile::port_decoded(uint16_t port) const
{
    if (m_misc & misc::color_io)
        return port < mono_block_first || port > mono_block_last;
    return port < color_block_first || port > color_block_last;
}

uint32_t VgaRegisterFile::dac_color(uint8_t index) const
{
    const uint8_t* entry = &m_dac[size_t(index) * 3];
    uint8_t red = m_dac_8bit ? entry[0] : expand_6bit(entry[0]);
    uint8_t green = m_dac_8bit ? entry[1] : expand_6bit(entry[1]);
    uint8_t blue = m_dac_8bit ? entry[2] : expand_6bit(entry[2]);
    return uint32_t(red) << 16 | uint32_t(green) << 8 | blue;
}

uint8_t VgaRegisterFile::read_port(uint16_t port)
{
    if (!port_decoded(port))
        return unanswered_read;
    switch (Port(port)) {
    case Port::AttributeWrite:
        return m_attribute_expects_data ? 0 : m_attribute_index;
    case Port::AttributeRead: {
        unsigned index = m_attribute_index & attr::index_register_mask;
        return index < attribute_count ? m_attribute[index] : 0;
    }
    case Port::SequencerIndex:
        return m_sequencer_index;
    case Port::SequencerData:
        return m_sequencer[m_sequencer_index];
    case Port::DacPelMask:
        return m_pel_mask;
    case Port::DacReadIndex:
        return uint8_t(m_dac_state);
    case Port::DacWriteIndex:
        return m_dac_write_index;
    case Port::DacData: {
        uint8_t value = m_dac[size_t(m_dac_read_index) * 3 + m_dac_component];
        if (++m_dac_component == 3) {
            m_dac_component = 0;
            ++m_dac_read_index;
        }
        return value;
    }
    case Port::FeatureRead:
        return m_feature_control;
    case Port::MiscRead:
        return m_misc;
    case Port::GraphicsIndex:
        return m_graphics_index;
    case Port::GraphicsData:
        return m_graphics[m_graphics_index];
    case Port::CrtcIndexMono:
    case Port::CrtcIndexColor:
        return m_crtc_index;
    case Port::CrtcDataMono:
    case Port::CrtcDataColor:
        return m_crtc[m_crtc_index];
    case Port::InputStatus1Mono:
    case Port::InputStatus1Color:
        // No timing is emulated: the bits flip on each read so that "wait for retrace" loops end.
        m_status1 ^= status1::vertical_retrace | status1::display_inactive;
        m_attribute_expects_data = false;
        return m_status1;
    default:
        break; // input status 0 (no switch sense, no interrupt), video enable and unused ports read 0
    }
    return 0;
}

void VgaRegisterFile::write_port(uint16_t port, uint8_t value)
{
    if (!port_decoded(port))
        return;
    switch (Port(port)) {
    case Port::AttributeWrite:
        write_attribute(value);
        break;
    case Port::MiscWrite:
        m_misc = value & ~misc::reserved_bit;
        break;
    case Port::SequencerIndex:
        m_sequencer_index = value & sequencer_index_mask;
        break;
    case Port::SequencerData:
        m_sequencer[m_sequencer_index] = value & sequencer_write_mask[m_sequencer_index];
        break;
    case Port::DacPelMask:
        m_pel_mask = value;
        break;
    case Port::DacReadIndex:
        m_dac_read_index = value;
        m_dac_component = 0;
        m_dac_state = DacState::Read;
        break;
    case Port::DacWriteIndex:
        m_dac_write_index = value;
        m_dac_component = 0;
        m_dac_state = DacState::Write;
        break;
    case Port::DacData:
        m_dac_pending[m_dac_component] = m_dac_8bit ? value : value & dac_6bit_mask;
        if (++m_dac_component == 3) {
            for (unsigned i = 0; i < 3; ++i)
                m_dac[size_t(m_dac_write_index) * 3 + i] = m_dac_pending[i];
            m_dac_component = 0;
            ++m_dac_write_index;
        }
        break;
    case Port::GraphicsIndex:
        m_graphics_index = value & graphics_index_mask;
        break;
    case Port::GraphicsData:
        m_graphics[m_graphics_index] = value & graphics_write_mask[m_graphics_index];
        break;
    case Port::CrtcIndexMono:
    case Port::CrtcIndexColor:
        m_crtc_index = value;
        break;
    case Port::CrtcDataMono:
    case Port::CrtcDataColor:
        write_crtc(value);
        break;
    case Port::InputStatus1Mono:
    case Port::InputStatus1Color:
        m_feature_control = value & feature_control_mask;
        break;
    default:
        break;
    }
}

void VgaRegisterFile::write_attribute(uint8_t value)
{
    if (!m_attribute_expects_data) {
        m_attribute_index = value & attr::index_write_mask;
        m_attribute_expects_data = true;
        return;
    }
    m_attribute_expects_data = false;
    unsigned index = m_attribute_index & attr::index_register_mask;
    if (index <= unsigned(Attr::Palette15)) {
        m_attribute[index] = value & attr::palette_value_mask;
        return;
    }
    switch (Attr(index)) {
    case Attr::ModeControl:
        m_attribute[index] = value & ~attr::mode_reserved_bit;
        break;
    case Attr::OverscanColor:
        m_attribute[index] = value;
        break;
    case Attr::ColorPlaneEnable:
        m_attribute[index] = value & attr::plane_enable_mask;
        break;
    case Attr::HorizontalPelPanning:
        m_attribute[index] = value & attr::pel_panning_mask;
        break;
    case Attr::ColorSelect:
        m_attribute[index] = value & attr::color_select_mask;
        break;
    default:
        break; // indexes 0x15-0x1F do not exist
    }
}

void VgaRegisterFile::write_crtc(uint8_t value)
{
    bool protected_range = m_crtc_index <= uint8_t(Crtc::Overflow);
    if (protected_range && (m_crtc[unsigned(Crtc::VerticalRetraceEnd)] & crtc::protect_cr0_cr7)) {
        if (m_crtc_index == uint8_t(Crtc::Overflow)) {
            uint8_t& overflow = m_crtc[unsigned(Crtc::Overflow)];
            overflow = (overflow & ~crtc::overflow_write_unprotected) | (value & crtc::overflow_write_unprotected);
        }
        return;
    }
    m_crtc[m_crtc_index] = value;
}

} // namespace spicebox::vga
