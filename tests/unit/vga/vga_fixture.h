// A VGA core over its own video memory, driven the way a guest drives a card: port writes, window accesses,
// DISPI registers.
#pragma once

#include "vga/vga_core.h"

#include <doctest/doctest.h>

namespace spicebox::vga_test {

struct VgaFixture {
    explicit VgaFixture(size_t vram_bytes = 256 * 1024)
    {
        auto memory = VideoMemory::allocate(vram_bytes);
        REQUIRE(memory.ok());
        auto created = VgaCore::create(*memory);
        REQUIRE(created.ok());
        core = *created;
        core->write_port(uint16_t(vga::Port::MiscWrite), vga::misc::color_io);
    }
    void seq(vga::Seq index, uint8_t value)
    {
        core->write_port(uint16_t(vga::Port::SequencerIndex), uint8_t(index));
        core->write_port(uint16_t(vga::Port::SequencerData), value);
    }
    void gfx(vga::Gfx index, uint8_t value)
    {
        core->write_port(uint16_t(vga::Port::GraphicsIndex), uint8_t(index));
        core->write_port(uint16_t(vga::Port::GraphicsData), value);
    }
    void crtc(vga::Crtc index, uint8_t value)
    {
        core->write_port(uint16_t(vga::Port::CrtcIndexColor), uint8_t(index));
        core->write_port(uint16_t(vga::Port::CrtcDataColor), value);
    }
    void attr(uint8_t index, uint8_t value)
    {
        core->read_port(uint16_t(vga::Port::InputStatus1Color));
        core->write_port(uint16_t(vga::Port::AttributeWrite), index);
        core->write_port(uint16_t(vga::Port::AttributeWrite), value);
    }
    // Turns the screen on (AR index bit 5), as the last step of a mode set.
    void enable_screen()
    {
        core->read_port(uint16_t(vga::Port::InputStatus1Color));
        core->write_port(uint16_t(vga::Port::AttributeWrite), vga::attr::palette_address_source);
    }
    void dac(uint8_t index, uint8_t red, uint8_t green, uint8_t blue)
    {
        core->write_port(uint16_t(vga::Port::DacWriteIndex), index);
        core->write_port(uint16_t(vga::Port::DacData), red);
        core->write_port(uint16_t(vga::Port::DacData), green);
        core->write_port(uint16_t(vga::Port::DacData), blue);
    }
    void vbe(vga::DispiIndex index, uint16_t value) { core->write_vbe_register(uint16_t(index), value); }
    uint16_t vbe(vga::DispiIndex index) { return core->read_vbe_register(uint16_t(index)); }

    std::span<uint8_t> vram() { return core->vram(); }

    std::shared_ptr<VgaCore> core;
};

} // namespace spicebox::vga_test
