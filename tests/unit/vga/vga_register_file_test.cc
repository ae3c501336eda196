#include "vga/vga_core.h"

#include <doctest/doctest.h>

using namespace spicebox;
using namespace spicebox::vga;

namespace {

// The VGA core's port face, driven as a guest would with byte and word IN/OUT.
struct Ports {
    Ports()
    {
        auto memory = VideoMemory::allocate(256 * 1024);
        REQUIRE(memory.ok());
        auto created = VgaCore::create(*memory);
        REQUIRE(created.ok());
        core = *created;
        device = core->vga_ports();
    }
    void outb(uint16_t port, uint8_t value)
    {
        uint8_t data[1] = { value };
        device->io_write(port - vga_port_base, data);
    }
    void outw(uint16_t port, uint16_t value)
    {
        uint8_t data[2];
        set_io_value(data, value);
        device->io_write(port - vga_port_base, data);
    }
    uint8_t inb(uint16_t port)
    {
        uint8_t data[1];
        device->io_read(port - vga_port_base, data);
        return data[0];
    }
    uint16_t inw(uint16_t port)
    {
        uint8_t data[2];
        device->io_read(port - vga_port_base, data);
        return uint16_t(io_value(data));
    }
    std::shared_ptr<VgaCore> core;
    std::shared_ptr<IoDevice> device;
};

constexpr uint16_t port(Port p) { return uint16_t(p); }

}

TEST_CASE("a 16-bit OUT to an index port writes the index, then the data register")
{
    Ports vga;
    vga.outb(port(Port::MiscWrite), misc::color_io);
    vga.outw(port(Port::SequencerIndex), 0x0F02); // SR2 (map mask) = 0x0F
    vga.outw(port(Port::GraphicsIndex), 0xFF08);  // GR8 (bit mask) = 0xFF
    vga.outw(port(Port::CrtcIndexColor), 0x550E); // CR0E = 0x55

    CHECK(vga.inb(port(Port::SequencerIndex)) == 0x02);
    CHECK(vga.inb(port(Port::SequencerData)) == 0x0F);
    CHECK(vga.inw(port(Port::GraphicsIndex)) == 0xFF08);
    vga.outb(port(Port::CrtcIndexColor), 0x0E);
    CHECK(vga.inb(port(Port::CrtcDataColor)) == 0x55);
}

TEST_CASE("index registers keep only their index bits and data registers their write masks")
{
    Ports vga;
    vga.outb(port(Port::SequencerIndex), 0xFC); // index & 7 = 4
    CHECK(vga.inb(port(Port::SequencerIndex)) == 0x04);
    vga.outb(port(Port::SequencerData), 0xFF);
    CHECK(vga.inb(port(Port::SequencerData)) == 0x0E); // SR4 keeps bits 1-3
    vga.outw(port(Port::SequencerIndex), 0xFF01);
    CHECK(vga.inb(port(Port::SequencerData)) == 0x3D); // SR1

    vga.outb(port(Port::GraphicsIndex), 0xF5); // index & 0xF = 5
    CHECK(vga.inb(port(Port::GraphicsIndex)) == 0x05);
    vga.outb(port(Port::GraphicsData), 0xFF);
    CHECK(vga.inb(port(Port::GraphicsData)) == 0x7B); // GR5
    vga.outw(port(Port::GraphicsIndex), 0xFF04);
    CHECK(vga.inb(port(Port::GraphicsData)) == 0x03); // GR4

    vga.outb(port(Port::MiscWrite), 0xFF);
    CHECK(vga.inb(port(Port::MiscRead)) == 0xEF); // bit 4 is not stored
}

TEST_CASE("the attribute flip-flop alternates index and data and reading input status 1 resets it")
{
    Ports vga;
    vga.outb(port(Port::MiscWrite), misc::color_io);
    vga.inb(port(Port::InputStatus1Color));
    vga.outb(port(Port::AttributeWrite), 0x01); // index 1 (PAS clear)
    vga.outb(port(Port::AttributeWrite), 0xFF); // palette 1 = 0x3F (6 bits)
    CHECK(vga.inb(port(Port::AttributeWrite)) == 0x01); // flip-flop back at index: reads the index
    vga.outb(port(Port::AttributeWrite), 0x21);         // index 1 with PAS set
    CHECK(vga.inb(port(Port::AttributeRead)) == 0x3F);
    CHECK(vga.inb(port(Port::AttributeWrite)) == 0x00); // expecting data: reads 0

    // A read of 0x3DA in the middle puts the flip-flop back to "index".
    vga.inb(port(Port::InputStatus1Color));
    vga.outb(port(Port::AttributeWrite), 0x10); // index 0x10 (and PAS clear)
    vga.outb(port(Port::AttributeWrite), 0xFF); // mode control loses bit 4
    vga.outb(port(Port::AttributeWrite), 0x30);
    CHECK(vga.inb(port(Port::AttributeRead)) == 0xEF);
    vga.outb(port(Port::AttributeWrite), 0x01); // data for 0x10: the flip-flop was at "data"
    CHECK(vga.inb(port(Port::AttributeRead)) == 0x01);

    vga.inb(port(Port::InputStatus1Color));
    vga.outb(port(Port::AttributeWrite), 0x12);
    vga.outb(port(Port::AttributeWrite), 0xFF);
    vga.outb(port(Port::AttributeWrite), 0x12);
    CHECK(vga.inb(port(Port::AttributeRead)) == 0x3F); // plane enable keeps 6 bits
}

TEST_CASE("input status 1 toggles its retrace bits on every read")
{
    Ports vga;
    vga.outb(port(Port::MiscWrite), misc::color_io);
    uint8_t first = vga.inb(port(Port::InputStatus1Color));
    uint8_t second = vga.inb(port(Port::InputStatus1Color));
    CHECK((first ^ second) == (status1::vertical_retrace | status1::display_inactive));
}

TEST_CASE("MISC bit 0 selects which of the mono and colour blocks decodes")
{
    Ports vga;
    vga.outb(port(Port::MiscWrite), 0x00); // monochrome
    vga.outb(port(Port::CrtcIndexMono), 0x0F);
    vga.outb(port(Port::CrtcDataMono), 0x12);
    vga.outb(port(Port::CrtcIndexColor), 0x0E); // ignored
    CHECK(vga.inb(port(Port::CrtcIndexColor)) == 0xFF);
    CHECK(vga.inb(port(Port::InputStatus1Color)) == 0xFF);
    CHECK(vga.inb(port(Port::CrtcIndexMono)) == 0x0F);
    CHECK(vga.inb(port(Port::CrtcDataMono)) == 0x12);

    vga.outb(port(Port::MiscWrite), misc::color_io);
    CHECK(vga.inb(port(Port::CrtcIndexMono)) == 0xFF);
    CHECK(vga.inb(port(Port::CrtcIndexColor)) == 0x0F); // one CRTC behind both blocks
    CHECK(vga.inb(port(Port::CrtcDataColor)) == 0x12);
    vga.outb(port(Port::CrtcDataMono), 0x34); // ignored now
    CHECK(vga.inb(port(Port::CrtcDataColor)) == 0x12);

    // Reading the dead block's status port does not reset the attribute flip-flop.
    vga.inb(port(Port::InputStatus1Color));
    vga.outb(port(Port::AttributeWrite), 0x02);
    vga.inb(port(Port::InputStatus1Mono));
    vga.outb(port(Port::AttributeWrite), 0x07);
    vga.outb(port(Port::AttributeWrite), 0x22);
    CHECK(vga.inb(port(Port::AttributeRead)) == 0x07);
}

TEST_CASE("CR11 bit 7 write-protects CR0-CR7 except CR7 bit 4")
{
    Ports vga;
    vga.outb(port(Port::MiscWrite), misc::color_io);
    vga.outw(port(Port::CrtcIndexColor), 0x4F01);
    vga.outw(port(Port::CrtcIndexColor), 0x0007);
    vga.outw(port(Port::CrtcIndexColor), 0x8E11); // lock
    vga.outw(port(Port::CrtcIndexColor), 0x2701); // ignored
    vga.outw(port(Port::CrtcIndexColor), 0xFF07); // only bit 4 lands
    vga.outw(port(Port::CrtcIndexColor), 0x2813); // CR13 is not protected
    vga.outb(port(Port::CrtcIndexColor), 0x01);
    CHECK(vga.inb(port(Port::CrtcDataColor)) == 0x4F);
    vga.outb(port(Port::CrtcIndexColor), 0x07);
    CHECK(vga.inb(port(Port::CrtcDataColor)) == 0x10);
    vga.outb(port(Port::CrtcIndexColor), 0x13);
    CHECK(vga.inb(port(Port::CrtcDataColor)) == 0x28);

    vga.outw(port(Port::CrtcIndexColor), 0x0E11); // unlock
    vga.outw(port(Port::CrtcIndexColor), 0x2701);
    vga.outb(port(Port::CrtcIndexColor), 0x01);
    CHECK(vga.inb(port(Port::CrtcDataColor)) == 0x27);
}

TEST_CASE("the DAC auto-increments through red, green, blue and keeps 6 bits")
{
    Ports vga;
    vga.outb(port(Port::DacWriteIndex), 0xFE);
    for (uint8_t value : { 0x01, 0x02, 0xFF, 0x04, 0x05, 0x06, 0x3F, 0x00, 0x2A })
        vga.outb(port(Port::DacData), value);
    CHECK(vga.inb(port(Port::DacWriteIndex)) == 0x01); // 0xFE, 0xFF, then wrapped to 0 and one more
    CHECK(vga.inb(port(Port::DacReadIndex)) == uint8_t(DacState::Write));

    vga.outb(port(Port::DacReadIndex), 0xFE);
    CHECK(vga.inb(port(Port::DacReadIndex)) == uint8_t(DacState::Read));
    uint8_t expected[] = { 0x01, 0x02, 0x3F, 0x04, 0x05, 0x06, 0x3F, 0x00, 0x2A };
    for (uint8_t value : expected)
        CHECK(vga.inb(port(Port::DacData)) == value);

    // A new index restarts at red.
    vga.outb(port(Port::DacWriteIndex), 0x10);
    vga.outb(port(Port::DacData), 0x11);
    vga.outb(port(Port::DacWriteIndex), 0x10);
    vga.outb(port(Port::DacData), 0x21);
    vga.outb(port(Port::DacData), 0x22);
    vga.outb(port(Port::DacData), 0x23);
    vga.outb(port(Port::DacReadIndex), 0x10);
    CHECK(vga.inb(port(Port::DacData)) == 0x21);
    CHECK(vga.inb(port(Port::DacData)) == 0x22);
    CHECK(vga.inb(port(Port::DacData)) == 0x23);

    vga.outb(port(Port::DacPelMask), 0x0F);
    CHECK(vga.inb(port(Port::DacPelMask)) == 0x0F);
}
