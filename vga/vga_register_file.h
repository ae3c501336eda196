// The VGA register file as the guest sees it through ports 0x3B0-0x3DF, one byte at a time (a 16-bit OUT to an
// index port is the index then the data: the caller splits wider accesses). Behaviour follows real cards and
// QEMU's vga.c: the port block MISC bit 0 does not select reads 0xFF and ignores writes; per-register write
// masks; the attribute controller's index/data flip-flop, reset by reading input status 1; CR11 bit 7
// write-protects CR0-CR7 except CR7 bit 4; DAC read and write indexes auto-increment after every third data
// access; input status 1 toggles its retrace bits on every read so polling loops finish.
//
// DAC entries keep 6 bits unless the Bochs VBE's 8-bit DAC mode is on (then 8). The PEL mask is stored, reads
// back and applies to every palette lookup.
//
// Not thread-safe: VgaCore serialises access.
#pragma once

#include "vga/vga_registers.h"

#include <array>
#include <cstddef>
#include <cstdint>

namespace spicebox::vga {

class VgaRegisterFile {
public:
    VgaRegisterFile();

    uint8_t read_port(uint16_t port);
    void write_port(uint16_t port, uint8_t value);

    uint8_t sequencer(Seq index) const { return m_sequencer[unsigned(index)]; }
    uint8_t graphics(Gfx index) const { return m_graphics[unsigned(index)]; }
    uint8_t crtc(Crtc index) const { return m_crtc[unsigned(index)]; }
    uint8_t attribute(Attr index) const { return m_attribute[unsigned(index)]; }
    uint8_t palette_register(unsigned index) const { return m_attribute[index % palette_register_count]; }
    uint8_t attribute_index() const { return m_attribute_index; }
    bool screen_enabled() const { return m_attribute_index & attr::palette_address_source; }
    uint8_t misc_output() const { return m_misc; }
    uint8_t pel_mask() const { return m_pel_mask; }
    // Entry `index` of the DAC as 8-bit red, green, blue (6-bit values are scaled to the full range).
    uint32_t dac_color(uint8_t index) const;
    bool dac_8bit() const { return m_dac_8bit; }

    // The graphics mode the VGA registers select (GR6 bit 0).
    bool graphics_mode() const { return m_graphics[unsigned(Gfx::Misc)] & gfx::graphics_mode; }
    MemoryMap memory_map() const
    {
        return MemoryMap((m_graphics[unsigned(Gfx::Misc)] & gfx::memory_map_mask) >> gfx::memory_map_shift);
    }

    // For the Bochs VBE, which programs the VGA registers its modes imply as QEMU does; these bypass the
    // write masks and CR0-CR7 protection.
    void set_graphics(Gfx index, uint8_t value) { m_graphics[unsigned(index)] = value; }
    void set_crtc(Crtc index, uint8_t value) { m_crtc[unsigned(index)] = value; }
    void set_dac_8bit(bool enabled) { m_dac_8bit = enabled; }

private:
    bool port_decoded(uint16_t port) const;
    void write_attribute(uint8_t value);
    void write_crtc(uint8_t value);

    uint8_t m_misc { 0 };
    uint8_t m_feature_control { 0 };
    uint8_t m_status1 { 0 };
    uint8_t m_sequencer_index { 0 };
    std::array<uint8_t, sequencer_count> m_sequencer {};
    uint8_t m_graphics_index { 0 };
    std::array<uint8_t, graphics_count> m_graphics {};
    uint8_t m_crtc_index { 0 };
    std::array<uint8_t, crtc_count> m_crtc {};
    uint8_t m_attribute_index { 0 };
    bool m_attribute_expects_data { false };
    std::array<uint8_t, attribute_count> m_attribute {};
    uint8_t m_pel_mask { 0xFF };
    DacState m_dac_state { DacState::Write };
    uint8_t m_dac_read_index { 0 };
    uint8_t m_dac_write_index { 0 };
    uint8_t m_dac_component { 0 };
    std::array<uint8_t, 3> m_dac_pending {};
    std::array<uint8_t, dac_entries * 3> m_dac {};
    bool m_dac_8bit { false };
};

} // namespace spicebox::vga
