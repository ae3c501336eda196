#include "tests/unit/qxl/qxl_test_guest.h"

#include <algorithm>

using namespace spicebox;
using namespace spicebox::qxl_test;

namespace {

void request_primary(QxlTestGuest& guest, uint32_t width, uint32_t height, uint64_t vram_offset, uint32_t flags = QXL_SURF_FLAG_KEEP_DATA)
{
    guest.ram_header().create_surface = QXLSurfaceCreate {
        .width = width,
        .height = height,
        .stride = int32_t(width * 4),
        .format = SPICE_SURFACE_FMT_32_xRGB,
        .position = 0,
        .mouse_mode = 0,
        .flags = flags,
        .type = QXL_SURF_TYPE_PRIMARY,
        .mem = QxlTestGuest::physical(2, vram_offset),
    };
}

}

TEST_CASE("qxl: in VGA mode only the ports QEMU allows run; async ones still complete")
{
    QxlTestGuest guest;
    QXLRam& ram = guest.ram_header();
    ram.update_surface = 0;
    ram.update_area = QXLRect { 0, 0, 10, 10 };
    guest.out(QXL_IO_UPDATE_AREA_ASYNC);
    CHECK(+ram.int_pending == QXL_INTERRUPT_IO_CMD);
    CHECK(guest.sink.updates.empty());

    ram.int_pending = 0;
    guest.out(QXL_IO_DESTROY_PRIMARY_ASYNC);
    guest.out(QXL_IO_DETACH_PRIMARY); // a guest bug outside VGA mode, dropped in it
    guest.out(30);
    CHECK(+ram.int_pending == QXL_INTERRUPT_IO_CMD);
    CHECK(guest.device->mode() == QxlMode::Vga);
    CHECK(!guest.error_state());

    guest.out(QXL_IO_NOTIFY_CMD);
    CHECK(guest.kicks == 0);
}

TEST_CASE("qxl: async memslot adds complete with IO_CMD and UPDATE_IRQ drives the level")
{
    QxlTestGuest guest;
    QXLRam& ram = guest.ram_header();
    guest.add_linux_memslots();
    CHECK(+ram.int_pending == QXL_INTERRUPT_IO_CMD);
    CHECK(!guest.irq_level); // masked: pending is visible in memory only (Xorg polls it)
    CHECK(+guest.rom().slot_generation == 0);

    ram.int_mask = 0x27; // Linux's mask
    CHECK(!guest.irq_level);
    guest.out(QXL_IO_UPDATE_IRQ);
    CHECK(guest.irq_level);

    ram.int_pending = 0; // the handler's xchg
    guest.out(QXL_IO_UPDATE_IRQ);
    CHECK(!guest.irq_level);

    // A synchronous add raises nothing.
    ram.mem_slot = { ram_address, ram_address + 0x1000 };
    guest.out(QXL_IO_MEMSLOT_ADD, 3);
    CHECK(+ram.int_pending == 0);
    guest.out(QXL_IO_MEMSLOT_DEL, 3);
    CHECK(!guest.error_state());
}

TEST_CASE("qxl: CREATE_PRIMARY enters native mode, DESTROY_PRIMARY leaves it, as Linux does at modeset")
{
    QxlTestGuest guest;
    struct Companion final : QxlVgaCompanion {
        void qxl_mode_changed(QxlMode mode) override { modes.push_back(mode); }
        std::vector<QxlMode> modes;
    } companion;
    guest.device->set_vga_companion(&companion);
    guest.add_linux_memslots();

    std::memset(guest.device->vram().data(), 0xAB, 64 * 64 * 4);
    request_primary(guest, 64, 64, 0, 0);
    guest.out(QXL_IO_CREATE_PRIMARY_ASYNC);
    CHECK(guest.device->mode() == QxlMode::Native);
    REQUIRE(guest.sink.created.size() == 1);
    const SurfaceCreate& first = guest.sink.created[0];
    CHECK(first.surface_id == 0);
    CHECK(first.primary);
    CHECK(first.width == 64);
    CHECK(first.stride == 256);
    CHECK(first.format == SurfaceFormat::Xrgb8888);
    CHECK(first.memory.data() == guest.device->vram().data());
    CHECK(first.memory.size() == 64 * 64 * 4);
    CHECK(guest.device->vram()[100] == 0); // no KEEP_DATA: cleared

    guest.out(QXL_IO_DESTROY_PRIMARY_ASYNC);
    CHECK(guest.device->mode() == QxlMode::Undefined);
    CHECK(guest.sink.destroyed == std::vector<uint32_t> { 0 });

    guest.device->vram()[0x4000] = 0x5A;
    request_primary(guest, 1024, 768, 0x4000);
    guest.out(QXL_IO_CREATE_PRIMARY_ASYNC);
    CHECK(guest.device->mode() == QxlMode::Native);
    CHECK(guest.sink.created.back().width == 1024);
    CHECK(guest.device->vram()[0x4000] == 0x5A); // KEEP_DATA
    CHECK(!guest.error_state());
    CHECK(companion.modes == std::vector<QxlMode> { QxlMode::Undefined, QxlMode::Native, QxlMode::Undefined, QxlMode::Native });

    // Destroying twice is harmless; RESET goes back to VGA.
    guest.out(QXL_IO_DESTROY_PRIMARY);
    guest.out(QXL_IO_DESTROY_PRIMARY);
    CHECK(!guest.error_state());
    guest.out(QXL_IO_RESET);
    CHECK(guest.device->mode() == QxlMode::Vga);
    CHECK(companion.modes.back() == QxlMode::Vga);
}

TEST_CASE("qxl: a second CREATE_PRIMARY or an oversized primary is a guest bug")
{
    QxlTestGuest guest;
    guest.add_linux_memslots();
    request_primary(guest, 64, 64, 0);
    guest.out(QXL_IO_CREATE_PRIMARY);
    guest.out(QXL_IO_CREATE_PRIMARY);
    CHECK(guest.error_state());

    guest.out(QXL_IO_RESET);
    guest.add_linux_memslots();
    request_primary(guest, 4096, 4096, 0); // 64 MiB > the 16 MiB VGA area
    guest.out(QXL_IO_CREATE_PRIMARY);
    CHECK(guest.error_state());
    CHECK(guest.device->mode() == QxlMode::Vga);
}

TEST_CASE("qxl: SET_MODE creates a bottom-up compat primary in BAR0 through slot 0")
{
    QxlTestGuest guest;
    guest.out(QXL_IO_SET_MODE, 1); // 640x480, 32 bits
    CHECK(guest.device->mode() == QxlMode::Compat);
    REQUIRE(guest.sink.created.size() == 1);
    CHECK(guest.sink.created[0].width == 640);
    CHECK(guest.sink.created[0].stride == -2560);
    CHECK(guest.sink.created[0].memory.data() == guest.device->ram().data());
    CHECK(+guest.rom().mode == 1);

    guest.out(QXL_IO_SET_MODE, 200);
    CHECK(guest.error_state());
}

TEST_CASE("qxl: UPDATE_AREA drains the ring, then asks for the area clipped to the surface")
{
    QxlTestGuest guest;
    guest.add_linux_memslots();
    request_primary(guest, 64, 64, 0);
    guest.out(QXL_IO_CREATE_PRIMARY);
    QXLRam& ram = guest.ram_header();
    ram.update_surface = 0;
    ram.update_area = QXLRect { .top = 10, .left = 20, .bottom = 100, .right = 30 };
    ram.int_pending = 0;
    guest.out(QXL_IO_UPDATE_AREA_ASYNC);
    REQUIRE(guest.sink.updates.size() == 1);
    CHECK(guest.sink.updates[0].second == Rect { .left = 20, .top = 10, .right = 30, .bottom = 64 });
    CHECK(+ram.int_pending == QXL_INTERRUPT_IO_CMD);

    ram.update_area = QXLRect { .top = 5, .left = 5, .bottom = 5, .right = 9 }; // empty: tolerated
    guest.out(QXL_IO_UPDATE_AREA);
    CHECK(guest.sink.updates.size() == 1);
    CHECK(!guest.error_state());

    ram.update_area = QXLRect { .top = -1, .left = 0, .bottom = 5, .right = 9 };
    guest.out(QXL_IO_UPDATE_AREA);
    CHECK(guest.error_state());
}

TEST_CASE("qxl: MONITORS_CONFIG_ASYNC hands the heads to the sink")
{
    QxlTestGuest guest;
    guest.add_linux_memslots();
    request_primary(guest, 64, 64, 0);
    guest.out(QXL_IO_CREATE_PRIMARY);
    uint64_t offset = guest.allocate(sizeof(QXLMonitorsConfig) + 4 * sizeof(QXLHead));
    guest.at<QXLMonitorsConfig>(offset).count = 1;
    guest.at<QXLMonitorsConfig>(offset).max_allowed = 4;
    guest.at<QXLHead>(offset + sizeof(QXLMonitorsConfig)) = { .id = 0, .surface_id = 0, .width = 1024, .height = 768, .x = 0, .y = 0, .flags = 0 };
    guest.ram_header().monitors_config = QxlTestGuest::physical(1, offset);
    guest.out(QXL_IO_MONITORS_CONFIG_ASYNC);
    REQUIRE(guest.sink.monitors.size() == 1);
    CHECK(guest.sink.monitors[0].max_allowed == 4);
    CHECK(guest.sink.monitors[0].heads == std::vector<MonitorHead> { { 0, 0, 1024, 768, 0, 0, 0 } });

    guest.at<QXLMonitorsConfig>(offset).count = 5; // more than allowed: spice-server ignores these
    guest.out(QXL_IO_MONITORS_CONFIG_ASYNC);
    CHECK(guest.sink.monitors.size() == 1);
    CHECK(!guest.error_state());
}

TEST_CASE("qxl: RESET, SET_MODE, DESTROY_PRIMARY and DESTROY_ALL_SURFACES reset the cursor, as QEMU and spice-server do")
{
    QxlTestGuest guest;
    auto resets = [&] {
        size_t count = std::count_if(guest.sink.cursors.begin(), guest.sink.cursors.end(),
            [](const CursorCommand& command) { return std::holds_alternative<CursorReset>(command); });
        guest.sink.cursors.clear();
        return count;
    };
    guest.add_linux_memslots();
    request_primary(guest, 64, 64, 0);
    guest.out(QXL_IO_CREATE_PRIMARY);
    CHECK(resets() == 0);
    guest.out(QXL_IO_DESTROY_PRIMARY);
    CHECK(resets() == 1);
    guest.out(QXL_IO_DESTROY_PRIMARY); // no primary left: nothing to reset
    CHECK(resets() == 0);

    guest.out(QXL_IO_CREATE_PRIMARY);
    guest.out(QXL_IO_DESTROY_ALL_SURFACES);
    CHECK(resets() == 1);
    guest.out(QXL_IO_RESET);
    CHECK(resets() == 1);
    guest.out(QXL_IO_SET_MODE, 1);
    CHECK(resets() == 1);
    CHECK(!guest.error_state());
}
