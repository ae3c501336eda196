#include "qxl/qxl_display_worker.h"
#include "qxl/qxl_vga_card.h"
#include "spice-common/canvas_sink.h"
#include "tests/unit/qxl/qxl_test_guest.h"
#include "vga/bochs_vbe.h"
#include "vga/vga_registers.h"

#include <algorithm>
#include <chrono>
#include <thread>

using namespace spicebox;
using namespace spicebox::qxl_test;

namespace {

constexpr uint32_t vbe_width = 64, vbe_height = 32;
constexpr uint32_t primary_width = 32, primary_height = 16;

// Stands in for the renderer behind the sink: the primary is whatever the device last announced and has
// not destroyed, read from its memory (top-down, 32 bpp).
QxlVgaCard::PrimaryReader primary_reader(const RecordingSink& sink)
{
    return [&sink](Framebuffer& out) -> Result<void> {
        auto created = std::find_if(sink.created.rbegin(), sink.created.rend(), [](const SurfaceCreate& c) { return c.surface_id == 0; });
        size_t creates = size_t(std::count_if(sink.created.begin(), sink.created.end(), [](const SurfaceCreate& c) { return c.surface_id == 0; }));
        size_t destroys = size_t(std::count(sink.destroyed.begin(), sink.destroyed.end(), 0u));
        if (created == sink.created.rend() || destroys >= creates)
            return Error { "no primary surface" };
        out.resize(created->width, created->height);
        for (uint32_t y = 0; y < created->height; ++y)
            std::memcpy(out.row(y), created->memory.data() + size_t(y) * uint32_t(created->stride), created->width * 4);
        return {};
    };
}

void vbe_write(IoDevice& ports, vga::DispiIndex index, uint16_t value)
{
    uint8_t index_bytes[2] = { uint8_t(index), 0 };
    ports.io_write(0, index_bytes);
    uint8_t value_bytes[2] = { uint8_t(value), uint8_t(value >> 8) };
    ports.io_write(1, value_bytes);
}

// What SeaVGABIOS and the vbe guest do: a 32-bpp linear mode, the framebuffer at BAR0 offset 0, then the
// screen on (attribute controller index bit 5).
void set_vbe_mode(QxlVgaCard& card)
{
    auto ports = card.vbe_ports();
    vbe_write(*ports, vga::DispiIndex::Enable, 0);
    vbe_write(*ports, vga::DispiIndex::XRes, vbe_width);
    vbe_write(*ports, vga::DispiIndex::YRes, vbe_height);
    vbe_write(*ports, vga::DispiIndex::Bpp, 32);
    vbe_write(*ports, vga::DispiIndex::Enable, vga::dispi::enabled | vga::dispi::lfb_enabled | vga::dispi::no_clear_mem);
    card.core().write_port(uint16_t(vga::Port::MiscWrite), vga::misc::color_io);
    card.core().read_port(uint16_t(vga::Port::InputStatus1Color));
    card.core().write_port(uint16_t(vga::Port::AttributeWrite), vga::attr::palette_address_source);
}

uint32_t vbe_pixel(uint32_t x, uint32_t y) { return (y + 1) << 16 | x << 8 | 0x5A; }
uint32_t primary_pixel(uint32_t x, uint32_t y) { return 0x00A00000u + 0x100u * y + x; }

void fill_lfb(QxlDevice& device)
{
    for (uint32_t y = 0; y < vbe_height; ++y) {
        for (uint32_t x = 0; x < vbe_width; ++x) {
            uint32_t pixel = vbe_pixel(x, y);
            std::memcpy(device.ram().data() + (size_t(y) * vbe_width + x) * 4, &pixel, 4);
        }
    }
}

void fill_primary_memory(QxlDevice& device)
{
    for (uint32_t y = 0; y < primary_height; ++y) {
        for (uint32_t x = 0; x < primary_width; ++x) {
            uint32_t pixel = primary_pixel(x, y);
            std::memcpy(device.vram().data() + (size_t(y) * primary_width + x) * 4, &pixel, 4);
        }
    }
}

void create_primary(QxlTestGuest& guest)
{
    guest.ram_header().create_surface = QXLSurfaceCreate {
        .width = primary_width,
        .height = primary_height,
        .stride = int32_t(primary_width * 4),
        .format = SPICE_SURFACE_FMT_32_xRGB,
        .position = 0,
        .mouse_mode = 0,
        .flags = QXL_SURF_FLAG_KEEP_DATA,
        .type = QXL_SURF_TYPE_PRIMARY,
        .mem = QxlTestGuest::physical(2, 0),
    };
    guest.out(QXL_IO_CREATE_PRIMARY_ASYNC);
}

bool shows(const Framebuffer& screen, uint32_t width, uint32_t height, uint32_t (*pixel)(uint32_t, uint32_t))
{
    if (screen.width != width || screen.height != height)
        return false;
    for (uint32_t y = 0; y < height; ++y) {
        for (uint32_t x = 0; x < width; ++x) {
            if (screen.at(x, y) != pixel(x, y))
                return false;
        }
    }
    return true;
}

std::unique_ptr<QxlVgaCard> make_card(QxlTestGuest& guest)
{
    auto card = QxlVgaCard::create(guest.device, primary_reader(guest.sink));
    REQUIRE(card.ok());
    return std::move(card.value());
}

}

TEST_CASE("qxl-vga card: the VGA core's picture before CREATE_PRIMARY, the primary after, VGA again after RESET")
{
    QxlTestGuest guest;
    auto card = make_card(guest);
    set_vbe_mode(*card);
    fill_lfb(*guest.device);

    Framebuffer screen;
    card->render(screen);
    CHECK(shows(screen, vbe_width, vbe_height, vbe_pixel)); // the VBE framebuffer is BAR0 from offset 0
    CHECK(!card->text_screen());

    guest.add_linux_memslots();
    fill_primary_memory(*guest.device);
    create_primary(guest);
    REQUIRE(guest.device->mode() == QxlMode::Native);
    card->render(screen);
    CHECK(shows(screen, primary_width, primary_height, primary_pixel));

    // Revision 5: the VGA ports (here the misc output register) do not leave native mode.
    uint8_t misc = vga::misc::color_io;
    card->vga_ports()->io_write(uint16_t(vga::Port::MiscWrite) - vga_port_base, std::span<const uint8_t>(&misc, 1));
    CHECK(guest.device->mode() == QxlMode::Native);
    card->render(screen);
    CHECK(shows(screen, primary_width, primary_height, primary_pixel));

    // Between DESTROY_PRIMARY and the next primary the last picture stays.
    guest.out(QXL_IO_DESTROY_PRIMARY_ASYNC);
    REQUIRE(guest.device->mode() == QxlMode::Undefined);
    guest.device->vram()[0] = 0xEE;
    Framebuffer kept;
    card->render(kept);
    CHECK(shows(kept, primary_width, primary_height, primary_pixel));

    guest.out(QXL_IO_RESET);
    REQUIRE(guest.device->mode() == QxlMode::Vga);
    card->render(screen);
    CHECK(shows(screen, vbe_width, vbe_height, vbe_pixel));
}

TEST_CASE("qxl-vga card: update reports all of the screen when the source switches, then only changed rows")
{
    QxlTestGuest guest;
    auto card = make_card(guest);
    set_vbe_mode(*card);
    fill_lfb(*guest.device);

    Framebuffer screen;
    CHECK(card->update(screen) == std::vector<Rect> { { 0, 0, int32_t(vbe_width), int32_t(vbe_height) } });
    CHECK(shows(screen, vbe_width, vbe_height, vbe_pixel));
    CHECK(card->update(screen).empty());

    guest.add_linux_memslots();
    fill_primary_memory(*guest.device);
    create_primary(guest);
    CHECK(card->update(screen) == std::vector<Rect> { { 0, 0, int32_t(primary_width), int32_t(primary_height) } });
    CHECK(shows(screen, primary_width, primary_height, primary_pixel));
    CHECK(card->update(screen).empty());

    // Rows 3 and 4 change: one rectangle across the width.
    guest.device->vram()[3 * primary_width * 4 + 8] ^= 0xFF;
    guest.device->vram()[4 * primary_width * 4 + 20] ^= 0xFF;
    CHECK(card->update(screen) == std::vector<Rect> { { 0, 3, int32_t(primary_width), 5 } });
    CHECK(screen.at(2, 3) == (primary_pixel(2, 3) ^ 0xFF));

    // Back to VGA with a picture the same size as the primary: all of it is redrawn, not just the rows
    // the VGA core saw change.
    auto ports = card->vbe_ports();
    vbe_write(*ports, vga::DispiIndex::Enable, 0);
    vbe_write(*ports, vga::DispiIndex::XRes, primary_width);
    vbe_write(*ports, vga::DispiIndex::YRes, primary_height);
    vbe_write(*ports, vga::DispiIndex::Enable, vga::dispi::enabled | vga::dispi::lfb_enabled | vga::dispi::no_clear_mem);
    Framebuffer vga_picture;
    guest.out(QXL_IO_RESET);
    card->render(vga_picture);
    REQUIRE(vga_picture.width == primary_width);
    CHECK(card->update(screen) == std::vector<Rect> { { 0, 0, int32_t(primary_width), int32_t(primary_height) } });
    CHECK(screen.pixels == vga_picture.pixels);
}

TEST_CASE("qxl-vga card: the text screen is the VGA core's, over BAR0, only in VGA mode")
{
    using namespace vga;
    QxlTestGuest guest;
    auto card = make_card(guest);
    VgaCore& core = card->core();
    auto index_write = [&core](Port index_port, uint8_t index, uint8_t value) {
        core.write_port(uint16_t(index_port), index);
        core.write_port(uint16_t(uint16_t(index_port) + 1), value);
    };
    // Mode 3's essentials: colour text, odd/even, 80x25 cells of 9x16, screen on.
    core.write_port(uint16_t(Port::MiscWrite), misc::color_io);
    index_write(Port::SequencerIndex, uint8_t(Seq::MemoryMode), 0x02);
    index_write(Port::GraphicsIndex, uint8_t(Gfx::Mode), gfx::host_odd_even);
    index_write(Port::GraphicsIndex, uint8_t(Gfx::Misc), 0x0E);
    index_write(Port::CrtcIndexColor, uint8_t(Crtc::HorizontalDisplayEnd), 0x4F);
    index_write(Port::CrtcIndexColor, uint8_t(Crtc::Overflow), 0x1F);
    index_write(Port::CrtcIndexColor, uint8_t(Crtc::MaximumScanLine), 0x4F);
    index_write(Port::CrtcIndexColor, uint8_t(Crtc::VerticalDisplayEnd), 0x8F);
    index_write(Port::CrtcIndexColor, uint8_t(Crtc::Offset), 0x28);
    core.read_port(uint16_t(Port::InputStatus1Color));
    core.write_port(uint16_t(Port::AttributeWrite), attr::palette_address_source);
    // Characters in plane 0 of BAR0 (the planes are interleaved: plane p of VGA offset o is byte 4o + p).
    const char text[] = "QXL";
    for (uint32_t cell = 0; cell < 3; ++cell) {
        guest.device->ram()[4 * cell] = uint8_t(text[cell]);
        guest.device->ram()[4 * cell + 1] = 0x07;
    }

    auto rows = card->text_screen();
    REQUIRE(rows.has_value());
    REQUIRE(rows->size() == 25);
    CHECK(rows->front().starts_with("QXL"));

    guest.add_linux_memslots();
    create_primary(guest);
    CHECK(!card->text_screen());
    guest.out(QXL_IO_RESET);
    CHECK(card->text_screen().has_value());
}

TEST_CASE("qxl-vga card with the canvas and the worker: a FILL on the ring shows on the screen, as the machine wires them")
{
    CanvasSink canvas;
    QxlTestGuest guest({}, &canvas);
    auto card = QxlVgaCard::create(guest.device, [&canvas](Framebuffer& out) { return canvas.screenshot(out, false); });
    REQUIRE(card.ok());
    auto worker = QxlDisplayWorker::start(guest.device);
    REQUIRE(worker.ok());

    guest.add_linux_memslots();
    fill_primary_memory(*guest.device);
    create_primary(guest);
    Framebuffer screen;
    CHECK((*card)->update(screen) == std::vector<Rect> { { 0, 0, int32_t(primary_width), int32_t(primary_height) } });
    CHECK(shows(screen, primary_width, primary_height, primary_pixel)); // KEEP_DATA: the guest's pixels

    constexpr uint32_t fill_color = 0x00FF8000;
    QXLDrawable fill {};
    fill.release_info.id = 1;
    fill.type = QXL_DRAW_FILL;
    fill.bbox = { .top = 2, .left = 4, .bottom = 6, .right = 12 };
    fill.surfaces_dest[0] = fill.surfaces_dest[1] = fill.surfaces_dest[2] = -1;
    fill.u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
    fill.u.fill.brush.u.color = fill_color;
    fill.u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
    guest.push(guest.ram_header().cmd_ring, QxlTestGuest::physical(1, guest.put(fill)), QXL_CMD_DRAW);
    guest.out(QXL_IO_NOTIFY_CMD);

    // The worker renders on its own thread; the screen shows the fill once it is done.
    std::vector<Rect> changed;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (changed.empty() && std::chrono::steady_clock::now() < deadline) {
        changed = (*card)->update(screen);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    (*worker)->stop();
    CHECK(changed == std::vector<Rect> { { 0, 2, int32_t(primary_width), 6 } });
    for (uint32_t y = 0; y < primary_height; ++y) {
        for (uint32_t x = 0; x < primary_width; ++x) {
            bool inside = x >= 4 && x < 12 && y >= 2 && y < 6;
            CAPTURE(x);
            CAPTURE(y);
            CHECK(screen.at(x, y) == (inside ? fill_color : primary_pixel(x, y)));
        }
    }
    CHECK(!guest.error_state());
}

TEST_CASE("qxl-vga card: VBE sees only the vgamem part of BAR0, as QEMU's qxl-vga")
{
    QxlTestGuest guest;
    auto card = make_card(guest);
    uint64_t vgamem = guest.device->layout().vgamem_size;
    REQUIRE(vgamem < guest.device->ram().size());
    CHECK(card->core().vram().size() == vgamem);
    CHECK(card->core().read_vbe_register(uint16_t(vga::DispiIndex::VideoMemory64K)) == vgamem / (64 * 1024));
}
