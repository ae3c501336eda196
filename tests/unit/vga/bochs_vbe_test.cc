#include "vga/bochs_vbe.h"

#include <doctest/doctest.h>

using namespace spicebox::vga;

namespace {

constexpr uint32_t sixteen_mib = 16 * 1024 * 1024;

struct Dispi {
    explicit Dispi(uint32_t memory = sixteen_mib) : vbe(memory) { }
    BochsVbe::WriteEffect write(DispiIndex index, uint16_t value)
    {
        vbe.set_index(uint16_t(index));
        return vbe.write_data(value);
    }
    uint16_t read(DispiIndex index)
    {
        vbe.set_index(uint16_t(index));
        return vbe.read_data();
    }
    void set_mode(uint16_t xres, uint16_t yres, uint16_t bpp)
    {
        write(DispiIndex::Enable, 0);
        write(DispiIndex::XRes, xres);
        write(DispiIndex::YRes, yres);
        write(DispiIndex::Bpp, bpp);
        write(DispiIndex::Enable, dispi::enabled | dispi::lfb_enabled);
    }
    BochsVbe vbe;
};

}

TEST_CASE("the DISPI id handshake accepts 0xB0C0-0xB0C5 only, and video memory is counted in 64 KiB")
{
    Dispi dispi;
    CHECK(dispi.read(DispiIndex::Id) == dispi::id5);
    dispi.write(DispiIndex::Id, 0xB0C0);
    CHECK(dispi.read(DispiIndex::Id) == 0xB0C0);
    dispi.write(DispiIndex::Id, 0xB0C6);
    CHECK(dispi.read(DispiIndex::Id) == 0xB0C0);
    dispi.write(DispiIndex::Id, 0x1234);
    CHECK(dispi.read(DispiIndex::Id) == 0xB0C0);
    CHECK(dispi.read(DispiIndex::VideoMemory64K) == 256);
    CHECK(dispi.read(DispiIndex(0x0B)) == 0);
    CHECK(dispi.read(DispiIndex(0xFFFF)) == 0);
    dispi.write(DispiIndex::VideoMemory64K, 1);
    CHECK(dispi.read(DispiIndex::VideoMemory64K) == 256);
}

TEST_CASE("GETCAPS makes XRES, YRES and BPP read the maxima")
{
    Dispi dispi;
    dispi.write(DispiIndex::XRes, 1024);
    dispi.write(DispiIndex::Enable, dispi::get_caps);
    CHECK(dispi.read(DispiIndex::XRes) == dispi::max_xres);
    CHECK(dispi.read(DispiIndex::YRes) == dispi::max_yres);
    CHECK(dispi.read(DispiIndex::Bpp) == dispi::max_bpp);
    CHECK(dispi.read(DispiIndex::Enable) == dispi::get_caps);
    dispi.write(DispiIndex::Enable, 0);
    CHECK(dispi.read(DispiIndex::XRes) == 1024);
}

TEST_CASE("a 1024x768x32 mode: line length, start, virtual height, and the screen clear on enable")
{
    Dispi dispi;
    dispi.write(DispiIndex::XRes, 1024);
    dispi.write(DispiIndex::YRes, 768);
    dispi.write(DispiIndex::Bpp, 32);
    auto effect = dispi.write(DispiIndex::Enable, dispi::enabled | dispi::lfb_enabled);
    CHECK(effect.enable_written);
    CHECK(effect.vga_registers);
    CHECK(effect.clear_bytes == 1024 * 768 * 4);
    CHECK(dispi.vbe.enabled());
    CHECK(dispi.vbe.line_length() == 4096);
    CHECK(dispi.vbe.start_offset() == 0);
    CHECK(dispi.read(DispiIndex::VirtWidth) == 1024);
    CHECK(dispi.read(DispiIndex::VirtHeight) == sixteen_mib / 4096);

    dispi.write(DispiIndex::Enable, 0);
    effect = dispi.write(DispiIndex::Enable, dispi::enabled | dispi::no_clear_mem);
    CHECK(effect.clear_bytes == 0);
}

TEST_CASE("virtual width and offsets move the visible start")
{
    Dispi dispi;
    dispi.set_mode(800, 600, 16);
    dispi.write(DispiIndex::VirtWidth, 1024);
    dispi.write(DispiIndex::XOffset, 10);
    dispi.write(DispiIndex::YOffset, 20);
    CHECK(dispi.vbe.line_length() == 2048);
    CHECK(dispi.vbe.start_offset() == 20 * 2048 + 10 * 2);
    // Turning the mode on again resets the virtual width and the offsets.
    dispi.write(DispiIndex::Enable, 0);
    dispi.write(DispiIndex::Enable, dispi::enabled);
    CHECK(dispi.read(DispiIndex::VirtWidth) == 800);
    CHECK(dispi.read(DispiIndex::XOffset) == 0);
    CHECK(dispi.vbe.start_offset() == 0);
}

TEST_CASE("absurd geometry is clamped into video memory on every write")
{
    Dispi dispi;
    dispi.set_mode(0xFFFF, 0xFFFF, 32);
    CHECK(dispi.read(DispiIndex::XRes) == dispi::max_xres);
    CHECK(dispi.read(DispiIndex::YRes) == dispi::max_yres);
    CHECK(uint64_t(dispi.vbe.line_length()) * dispi.vbe.height() <= sixteen_mib);

    dispi.write(DispiIndex::XRes, 0);
    CHECK(dispi.read(DispiIndex::XRes) == 8);
    dispi.write(DispiIndex::XRes, 1023);
    CHECK(dispi.read(DispiIndex::XRes) == 1016); // a multiple of 8
    dispi.write(DispiIndex::YRes, 0);
    CHECK(dispi.read(DispiIndex::YRes) == 1);

    dispi.write(DispiIndex::Bpp, 7);
    CHECK(dispi.read(DispiIndex::Bpp) == 8);
    dispi.write(DispiIndex::Bpp, 15);
    CHECK(dispi.read(DispiIndex::Bpp) == 15);
    CHECK(dispi.vbe.line_length() == dispi::max_xres * 2); // the virtual width stayed at its maximum

    dispi.write(DispiIndex::Bpp, 32);
    dispi.write(DispiIndex::VirtWidth, 0xFFFF);
    CHECK(dispi.read(DispiIndex::VirtWidth) == dispi::max_xres);
    dispi.write(DispiIndex::VirtWidth, 16);
    CHECK(dispi.read(DispiIndex::VirtWidth) == 1016); // never below xres
}

TEST_CASE("a height that does not fit video memory is cut to what does")
{
    Dispi dispi(1024 * 1024);
    dispi.set_mode(1024, 768, 32);
    CHECK(dispi.read(DispiIndex::YRes) == 256); // 1 MiB / 4096 bytes per line
    CHECK(dispi.read(DispiIndex::VirtHeight) == 256);
    dispi.write(DispiIndex::VirtWidth, 2560);
    CHECK(dispi.read(DispiIndex::YRes) == 102); // 1 MiB / 10240
}

TEST_CASE("offsets that put the screen past video memory fall back to 0, y first")
{
    Dispi dispi;
    dispi.set_mode(1024, 768, 32);
    dispi.write(DispiIndex::YOffset, 0xFFFF);
    CHECK(dispi.read(DispiIndex::YOffset) == 0);
    dispi.write(DispiIndex::YOffset, 4096 - 768); // the last screenful of 16 MiB
    CHECK(dispi.read(DispiIndex::YOffset) == 4096 - 768);
    CHECK(dispi.vbe.start_offset() + 768 * 4096 == sixteen_mib);
    dispi.write(DispiIndex::XOffset, 1); // one pixel further no longer fits: y drops to 0, x stays
    CHECK(dispi.read(DispiIndex::YOffset) == 0);
    CHECK(dispi.read(DispiIndex::XOffset) == 1);
    CHECK(dispi.vbe.start_offset() == 4);
    dispi.write(DispiIndex::XOffset, 0xFFFF);
    CHECK(dispi.read(DispiIndex::XOffset) == dispi::max_xres);
    CHECK(dispi.vbe.start_offset() + uint64_t(dispi.vbe.height()) * dispi.vbe.line_length() <= sixteen_mib);
}

TEST_CASE("writes while disabled are stored raw and sanitised when the mode turns on")
{
    Dispi dispi;
    dispi.write(DispiIndex::XRes, 0xFFFF);
    dispi.write(DispiIndex::Bpp, 99);
    CHECK(dispi.read(DispiIndex::XRes) == 0xFFFF);
    CHECK(dispi.read(DispiIndex::Bpp) == 99);
    dispi.write(DispiIndex::Enable, dispi::enabled);
    CHECK(dispi.read(DispiIndex::XRes) == dispi::max_xres);
    CHECK(dispi.read(DispiIndex::Bpp) == 8);
}

TEST_CASE("the bank register wraps at the number of 64 KiB banks")
{
    Dispi dispi(1024 * 1024);
    dispi.write(DispiIndex::Bank, 5);
    CHECK(dispi.vbe.bank_offset() == 5 * dispi::bank_size);
    dispi.write(DispiIndex::Bank, 0xFFFF);
    CHECK(dispi.read(DispiIndex::Bank) == 15);
    CHECK(dispi.vbe.bank_offset() == 15 * dispi::bank_size);
}
