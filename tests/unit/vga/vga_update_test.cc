#include "vga/std_vga.h"

#include <cstring>
#include <doctest/doctest.h>

using namespace spicebox;
using namespace spicebox::vga;

namespace {

// Maps nothing; reports the dirty pages the test chooses, as KVM's dirty log would.
class FakeDirtyMapper final : public PciBarMapper {
public:
    void bar_mapped(PciDevice&, int, const PciBarInfo&, uint64_t) override { }
    void bar_unmapped(PciDevice&, int, const PciBarInfo&, uint64_t) override { }
    bool take_dirty_pages(PciDevice&, int bar, std::span<uint64_t> bitmap) override
    {
        ++calls;
        if (!log_available || bar != StdVga::vram_bar)
            return false;
        for (uint64_t page : next_dirty)
            bitmap[page / 64] |= uint64_t(1) << (page % 64);
        next_dirty.clear();
        return true;
    }
    std::vector<uint64_t> next_dirty;
    bool log_available { true };
    int calls { 0 };
};

constexpr uint32_t width = 1024;
constexpr uint32_t height = 768;
constexpr uint32_t line_bytes = width * 4; // one 4 KiB page per line

struct Card {
    Card()
    {
        auto created = StdVga::create({});
        REQUIRE(created.ok());
        vga = *created;
        vga->set_bar_mapper(&mapper);
        config_write(0x10, 0xC0000000);
        config_write(0x04, 0x2);
        auto& core = vga->core();
        core.write_vbe_register(uint16_t(DispiIndex::XRes), width);
        core.write_vbe_register(uint16_t(DispiIndex::YRes), height);
        core.write_vbe_register(uint16_t(DispiIndex::Bpp), 32);
        core.write_vbe_register(uint16_t(DispiIndex::Enable), dispi::enabled | dispi::lfb_enabled);
        core.read_port(uint16_t(Port::InputStatus1Color));
        core.write_port(uint16_t(Port::AttributeWrite), attr::palette_address_source);
    }
    void config_write(uint8_t offset, uint32_t value)
    {
        uint8_t data[4];
        set_io_value(data, value);
        vga->config_write(offset, data);
    }
    // A guest write through the linear framebuffer: straight into VRAM, no exit.
    void put_pixel(uint32_t x, uint32_t y, uint32_t pixel) { std::memcpy(&vga->core().vram()[y * line_bytes + x * 4], &pixel, 4); }

    FakeDirtyMapper mapper;
    std::shared_ptr<StdVga> vga;
};

Rect rows(uint32_t first, uint32_t end) { return { 0, int32_t(first), int32_t(width), int32_t(end) }; }

}

TEST_CASE("update converts only the rows whose pages the dirty log reports")
{
    Card card;
    Framebuffer screen;
    auto rects = card.vga->update(screen);
    REQUIRE(rects.size() == 1);
    CHECK(rects[0] == rows(0, height));
    CHECK(screen.width == width);
    CHECK(screen.height == height);

    card.put_pixel(10, 1, 0x00112233);
    card.put_pixel(10, 5, 0x00445566);
    card.mapper.next_dirty = { 1 };
    rects = card.vga->update(screen);
    REQUIRE(rects.size() == 1);
    CHECK(rects[0] == rows(1, 2));
    CHECK(screen.at(10, 1) == 0x112233);
    CHECK(screen.at(10, 5) == 0); // written, but not reported: not converted

    card.mapper.next_dirty = { 5, 6 };
    rects = card.vga->update(screen);
    REQUIRE(rects.size() == 1);
    CHECK(rects[0] == rows(5, 7)); // adjacent rows merge
    CHECK(screen.at(10, 5) == 0x445566);

    rects = card.vga->update(screen);
    CHECK(rects.empty());
}

TEST_CASE("writes through the VGA window are tracked by the core itself")
{
    Card card;
    Framebuffer screen;
    card.vga->update(screen);
    card.vga->core().write_vbe_register(uint16_t(DispiIndex::Bank), 0);
    card.vga->core().write_window(3 * line_bytes + 8, 0x7F); // the blue byte of pixel 2 on line 3
    auto rects = card.vga->update(screen);
    REQUIRE(rects.size() == 1);
    CHECK(rects[0] == rows(3, 4));
    CHECK(screen.at(2, 3) == 0x00007F);
}

TEST_CASE("a mode change, an offset change or an unknown log redraws everything")
{
    Card card;
    Framebuffer screen;
    card.vga->update(screen);

    card.vga->core().write_vbe_register(uint16_t(DispiIndex::VirtWidth), width);
    card.vga->core().write_vbe_register(uint16_t(DispiIndex::YOffset), 1);
    auto rects = card.vga->update(screen);
    REQUIRE(rects.size() == 1);
    CHECK(rects[0] == rows(0, height));

    // Without a log the picture is compared row by row: only real changes are reported.
    card.mapper.log_available = false;
    card.put_pixel(0, 100, 0x00ABCDEF); // line 99 of the screen (y offset 1)
    rects = card.vga->update(screen);
    REQUIRE(rects.size() == 1);
    CHECK(rects[0] == rows(99, 100));
    CHECK(screen.at(0, 99) == 0xABCDEF);
}

TEST_CASE("changes a render saw are still reported by the next update")
{
    Card card;
    Framebuffer updated;
    card.vga->update(updated);
    card.put_pixel(0, 7, 0x00FF0000);
    card.mapper.next_dirty = { 7 };
    Framebuffer screenshot;
    card.vga->render(screenshot);
    CHECK(screenshot.at(0, 7) == 0xFF0000);
    auto rects = card.vga->update(updated);
    REQUIRE(rects.size() == 1);
    CHECK(rects[0] == rows(7, 8));
    CHECK(updated.at(0, 7) == 0xFF0000);
}

TEST_CASE("text mode updates report the rows that changed")
{
    Card card;
    auto& core = card.vga->core();
    core.write_vbe_register(uint16_t(DispiIndex::Enable), 0);
    core.write_port(uint16_t(Port::MiscWrite), misc::color_io);
    core.write_port(uint16_t(Port::GraphicsIndex), uint8_t(Gfx::Misc));
    core.write_port(uint16_t(Port::GraphicsData), 0x0E);
    core.write_port(uint16_t(Port::CrtcIndexColor), uint8_t(Crtc::HorizontalDisplayEnd));
    core.write_port(uint16_t(Port::CrtcDataColor), 79);
    core.write_port(uint16_t(Port::CrtcIndexColor), uint8_t(Crtc::MaximumScanLine));
    core.write_port(uint16_t(Port::CrtcDataColor), 0x4F); // 16 lines, line compare bit 9
    core.write_port(uint16_t(Port::CrtcIndexColor), uint8_t(Crtc::VerticalDisplayEnd));
    core.write_port(uint16_t(Port::CrtcDataColor), 0x8F);
    core.write_port(uint16_t(Port::CrtcIndexColor), uint8_t(Crtc::Overflow));
    core.write_port(uint16_t(Port::CrtcDataColor), 0x12); // display end bit 8, line compare bit 8
    core.write_port(uint16_t(Port::CrtcIndexColor), uint8_t(Crtc::Offset));
    core.write_port(uint16_t(Port::CrtcDataColor), 40);
    core.write_port(uint16_t(Port::DacWriteIndex), 7);
    for (int i = 0; i < 3; ++i)
        core.write_port(uint16_t(Port::DacData), 0x2A);
    Framebuffer screen;
    auto rects = card.vga->update(screen);
    REQUIRE(rects.size() == 1);
    CHECK(screen.width == 720);
    CHECK(screen.height == 400);

    core.vram()[4 * 80 * 2 + 1] = 0x70; // row 2, column 0: background colour 7 (attribute palette 7 = 7)
    core.read_port(uint16_t(Port::InputStatus1Color));
    core.write_port(uint16_t(Port::AttributeWrite), 0x07);
    core.write_port(uint16_t(Port::AttributeWrite), 0x07);
    core.write_port(uint16_t(Port::AttributeWrite), attr::palette_address_source);
    rects = card.vga->update(screen);
    REQUIRE(rects.size() == 1);
    CHECK(rects[0] == Rect { 0, 32, 720, 48 });
}
