#include "tests/unit/qxl/qxl_test_guest.h"

using namespace spicebox;
using namespace spicebox::qxl_test;

namespace {

// A card with Linux's slots and a 64x64 primary in BAR1.
struct NativeGuest : QxlTestGuest {
    NativeGuest()
    {
        add_linux_memslots();
        ram_header().create_surface = QXLSurfaceCreate {
            .width = 64, .height = 64, .stride = 256, .format = SPICE_SURFACE_FMT_32_xRGB, .position = 0,
            .mouse_mode = 0, .flags = 0, .type = QXL_SURF_TYPE_PRIMARY, .mem = physical(2, 0) };
        out(QXL_IO_CREATE_PRIMARY);
        ram_header().int_pending = 0;
    }

    // An image whose pixels follow in one chunk; returns its slot-1 address.
    QXLPHYSICAL put_bitmap(uint8_t format, uint8_t flags, uint32_t width, uint32_t height, uint32_t stride, std::span<const uint8_t> pixels, QXLPHYSICAL palette = 0)
    {
        uint64_t chunk = put_chunk(pixels);
        QXLImage image {};
        image.descriptor = { .id = 0x1234, .type = SPICE_IMAGE_TYPE_BITMAP, .flags = 0, .width = width, .height = height };
        image.bitmap = { .format = format, .flags = flags, .x = width, .y = height, .stride = stride, .palette = palette, .data = physical(1, chunk) };
        return physical(1, put(image));
    }

    // A COPY drawable as the Linux driver builds it, with release id `id`.
    uint64_t put_copy(uint64_t id, QXLPHYSICAL image, QXLRect bbox, QXLClip clip = { SPICE_CLIP_TYPE_NONE, 0 })
    {
        QXLDrawable drawable {};
        drawable.release_info.id = id;
        drawable.surface_id = 0;
        drawable.effect = QXL_EFFECT_OPAQUE;
        drawable.type = QXL_DRAW_COPY;
        drawable.bbox = bbox;
        drawable.clip = clip;
        drawable.surfaces_dest[0] = drawable.surfaces_dest[1] = drawable.surfaces_dest[2] = -1;
        drawable.u.copy.src_bitmap = image;
        drawable.u.copy.src_area = { .top = 0, .left = 0, .bottom = bbox.bottom - bbox.top, .right = bbox.right - bbox.left };
        drawable.u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
        drawable.u.copy.scale_mode = SPICE_IMAGE_SCALE_MODE_NEAREST;
        uint64_t offset = put(drawable);
        track_release(id, offset);
        return offset;
    }

    void push_draw(uint64_t offset) { push(ram_header().cmd_ring, physical(1, offset), QXL_CMD_DRAW); }
};

std::vector<uint8_t> pattern(size_t size)
{
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = uint8_t(i * 7 + 1);
    return bytes;
}

}

TEST_CASE("qxl rings: a Linux fbcon COPY arrives as a validated draw command with its clip rects")
{
    NativeGuest guest;
    auto pixels = pattern(8 * 4 * 2);
    QXLPHYSICAL image = guest.put_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_TOP_DOWN, 8, 2, 32, pixels);
    QXLRect rects[2] = { { .top = 4, .left = 2, .bottom = 5, .right = 10 }, { .top = 5, .left = 2, .bottom = 6, .right = 6 } };
    uint64_t clip_rects = guest.allocate(sizeof(QXLClipRects) + sizeof(rects));
    QXLClipRects header {};
    header.num_rects = 2;
    guest.at<QXLClipRects>(clip_rects) = QxlTestGuest::with_chunk(header, sizeof(rects));
    std::memcpy(&guest.at<uint8_t>(clip_rects + sizeof(QXLClipRects)), rects, sizeof(rects));
    uint64_t drawable = guest.put_copy(1, image, { .top = 4, .left = 2, .bottom = 6, .right = 10 }, { SPICE_CLIP_TYPE_RECTS, QxlTestGuest::physical(1, clip_rects) });
    guest.push_draw(drawable);
    guest.out(QXL_IO_NOTIFY_CMD);
    CHECK(guest.kicks == 1);

    CHECK(!guest.device->process_rings());
    REQUIRE(guest.sink.draws.size() == 1);
    const DrawCommand& draw = guest.sink.draws[0];
    CHECK(draw.surface_id == 0);
    CHECK(draw.bbox == Rect { .left = 2, .top = 4, .right = 10, .bottom = 6 });
    CHECK(draw.effect == QXL_EFFECT_OPAQUE);
    CHECK(draw.dependencies.empty());
    REQUIRE(draw.clip.has_value());
    CHECK(*draw.clip == std::vector<Rect> { { 2, 4, 10, 5 }, { 2, 5, 6, 6 } });
    const auto& copy = std::get<CopyOp>(draw.operation);
    CHECK(copy.source_area == Rect { 0, 0, 8, 2 });
    CHECK(copy.rop_descriptor == SPICE_ROPD_OP_PUT);
    CHECK(!copy.mask);
    CHECK(copy.source.id == 0x1234);
    const auto& bitmap = std::get<Bitmap>(copy.source.source);
    CHECK(bitmap.format == BitmapFormat::Xrgb8888);
    CHECK(bitmap.width == 8);
    CHECK(bitmap.height == 2);
    CHECK(bitmap.stride == 32);
    CHECK(bitmap.pixels == pixels);

    // Consumer state: the ring is drained and the guest is asked to kick on its next push.
    QXLRam& ram = guest.ram_header();
    CHECK(+ram.cmd_ring.cons == 1);
    CHECK(+ram.cmd_ring.notify_on_prod == 2);
}

TEST_CASE("qxl rings: bitmaps are normalised top-down with compact rows; palettes are padded")
{
    NativeGuest guest;
    // 3x2 8-bit bitmap, bottom-up, stride 4 (one byte of padding per row).
    const uint8_t rows[] = { 2, 1, 0, 0xEE, 0, 1, 2, 0xEE };
    uint64_t palette = guest.allocate(sizeof(QXLPalette) + 3 * 4);
    guest.at<QXLPalette>(palette).unique = 77;
    guest.at<QXLPalette>(palette).num_ents = 3;
    const uint32_t colors[] = { 0x000000, 0xFF0000, 0x00FF00 };
    std::memcpy(&guest.at<uint8_t>(palette + sizeof(QXLPalette)), colors, sizeof(colors));
    QXLPHYSICAL image = guest.put_bitmap(SPICE_BITMAP_FMT_8BIT, 0, 3, 2, 4, rows, QxlTestGuest::physical(1, palette));
    guest.push_draw(guest.put_copy(1, image, { .top = 0, .left = 0, .bottom = 2, .right = 3 }));
    guest.device->process_rings();
    REQUIRE(guest.sink.draws.size() == 1);
    const auto& bitmap = std::get<Bitmap>(std::get<CopyOp>(guest.sink.draws[0].operation).source.source);
    CHECK(bitmap.stride == 3);
    CHECK(bitmap.pixels == std::vector<uint8_t> { 0, 1, 2, 2, 1, 0 });
    CHECK(bitmap.palette.size() == 256);
    CHECK(bitmap.palette[1] == 0xFF0000);
    CHECK(bitmap.palette[3] == 0);
    CHECK(bitmap.palette_id == 77);
}

TEST_CASE("qxl rings: images split over several chunks are joined")
{
    NativeGuest guest;
    auto pixels = pattern(4 * 4 * 3);
    std::span<const uint8_t> all(pixels);
    uint64_t last = guest.put_chunk(all.subspan(32));
    uint64_t first = guest.put_chunk(all.first(32), QxlTestGuest::physical(1, last));
    QXLImage image {};
    image.descriptor = { .id = 1, .type = SPICE_IMAGE_TYPE_BITMAP, .flags = 0, .width = 4, .height = 3 };
    image.bitmap = { .format = SPICE_BITMAP_FMT_RGBA, .flags = QXL_BITMAP_TOP_DOWN, .x = 4, .y = 3, .stride = 16, .palette = 0, .data = QxlTestGuest::physical(1, first) };
    guest.push_draw(guest.put_copy(1, QxlTestGuest::physical(1, guest.put(image)), { .top = 0, .left = 0, .bottom = 3, .right = 4 }));
    guest.device->process_rings();
    REQUIRE(guest.sink.draws.size() == 1);
    CHECK(std::get<Bitmap>(std::get<CopyOp>(guest.sink.draws[0].operation).source.source).pixels == pixels);
}

TEST_CASE("qxl rings: releases are chained and published in bunches, NOTIFY_OOM flushes at once")
{
    NativeGuest guest;
    QXLRam& ram = guest.ram_header();
    auto pixels = pattern(4);
    QXLPHYSICAL image = guest.put_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_TOP_DOWN, 1, 1, 4, pixels);
    for (uint64_t id = 1; id <= 3; ++id)
        guest.push_draw(guest.put_copy(id, image, { .top = 0, .left = 0, .bottom = 1, .right = 1 }));
    guest.device->process_rings();
    CHECK(guest.sink.draws.size() == 3);
    CHECK(+ram.release_ring.prod == 0); // fewer than 32: kept as a chain in the WIP slot
    CHECK(+ram.release_ring.items[0].el == 1);

    ram.int_mask = QXL_INTERRUPT_DISPLAY;
    guest.out(QXL_IO_NOTIFY_OOM);
    CHECK(+ram.release_ring.prod == 1);
    CHECK(+ram.release_ring.items[1].el == 0); // a fresh, empty WIP head
    CHECK((ram.int_pending & QXL_INTERRUPT_DISPLAY) != 0); // prod reached notify_on_prod (1)
    CHECK(guest.irq_level);
    CHECK(guest.pop_release_chain() == std::vector<uint64_t> { 1, 2, 3 });

    // 32 releases publish by themselves.
    ram.release_ring.notify_on_prod = ram.release_ring.cons + 1;
    ram.int_pending = 0;
    for (uint64_t batch = 0; batch < 2; ++batch) {
        for (uint64_t id = 100 + batch * 16; id < 116 + batch * 16; ++id)
            guest.push_draw(guest.put_copy(id, image, { .top = 0, .left = 0, .bottom = 1, .right = 1 }));
        guest.device->process_rings();
    }
    CHECK(+ram.release_ring.prod == 2);
    CHECK((ram.int_pending & QXL_INTERRUPT_DISPLAY) != 0);
    auto chain = guest.pop_release_chain();
    REQUIRE(chain.size() == 32);
    CHECK(chain.front() == 100);
    CHECK(chain.back() == 131);

    // NOTIFY_OOM does nothing while the guest still has releases to collect.
    guest.push_draw(guest.put_copy(200, image, { .top = 0, .left = 0, .bottom = 1, .right = 1 }));
    guest.device->process_rings();
    ram.release_ring.cons = 1; // the guest "forgets" it consumed entry 1
    guest.out(QXL_IO_NOTIFY_OOM);
    CHECK(+ram.release_ring.prod == 2);
    ram.release_ring.cons = 2;
    guest.out(QXL_IO_FLUSH_RELEASE);
    CHECK(+ram.release_ring.prod == 3);
    CHECK(guest.pop_release_chain() == std::vector<uint64_t> { 200 });
}

TEST_CASE("qxl rings: a full release ring keeps one slot for the next chain head")
{
    NativeGuest guest;
    QXLRam& ram = guest.ram_header();
    auto pixels = pattern(4);
    QXLPHYSICAL image = guest.put_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_TOP_DOWN, 1, 1, 4, pixels);
    for (uint64_t id = 1; id <= 8; ++id) {
        guest.push_draw(guest.put_copy(id, image, { .top = 0, .left = 0, .bottom = 1, .right = 1 }));
        guest.device->process_rings();
        guest.out(QXL_IO_FLUSH_RELEASE);
    }
    CHECK(+ram.release_ring.prod == 7); // the 8th stays in the WIP slot
    CHECK(!guest.error_state());
    for (uint64_t id = 1; id <= 7; ++id)
        CHECK(guest.pop_release_chain() == std::vector<uint64_t> { id });
    guest.out(QXL_IO_FLUSH_RELEASE);
    CHECK(guest.pop_release_chain() == std::vector<uint64_t> { 8 });
}

TEST_CASE("qxl rings: a guest waiting for room gets DISPLAY when the device pops")
{
    NativeGuest guest;
    QXLRam& ram = guest.ram_header();
    auto pixels = pattern(4);
    QXLPHYSICAL image = guest.put_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_TOP_DOWN, 1, 1, 4, pixels);
    for (uint64_t id = 1; id <= 32; ++id)
        guest.push_draw(guest.put_copy(id, image, { .top = 0, .left = 0, .bottom = 1, .right = 1 }));
    ram.cmd_ring.notify_on_cons = ram.cmd_ring.cons + 1; // PROD_WAIT on a full ring
    ram.int_mask = QXL_INTERRUPT_DISPLAY;
    guest.device->process_rings();
    CHECK((ram.int_pending & QXL_INTERRUPT_DISPLAY) != 0);
    CHECK(guest.irq_level);
    CHECK(guest.sink.draws.size() == 32);
}

TEST_CASE("qxl rings: off-screen surfaces; the create is held until the destroy, then both return")
{
    NativeGuest guest;
    auto surface_command = [&](uint64_t id, uint8_t type, uint32_t surface_id) {
        QXLSurfaceCmd command {};
        command.release_info.id = id;
        command.surface_id = surface_id;
        command.type = type;
        command.u.surface_create = { .format = SPICE_SURFACE_FMT_32_xRGB, .width = 16, .height = 8, .stride = -64, .data = QxlTestGuest::physical(2, 0x10000) };
        uint64_t offset = guest.put(command);
        guest.track_release(id, offset);
        guest.push(guest.ram_header().cmd_ring, QxlTestGuest::physical(1, offset), QXL_CMD_SURFACE);
    };
    guest.device->vram()[0x10000] = 0x77;
    surface_command(10, QXL_SURFACE_CMD_CREATE, 5);
    guest.device->process_rings();
    REQUIRE(guest.sink.created.size() == 2);
    const SurfaceCreate& created = guest.sink.created[1];
    CHECK(created.surface_id == 5);
    CHECK(!created.primary);
    CHECK(created.stride == -64);
    CHECK(created.memory.data() == guest.device->vram().data() + 0x10000);
    CHECK(created.memory.size() == 512);
    CHECK(guest.device->vram()[0x10000] == 0); // created without KEEP_DATA

    guest.out(QXL_IO_FLUSH_RELEASE);
    CHECK(+guest.ram_header().release_ring.prod == 0); // nothing released yet

    surface_command(11, QXL_SURFACE_CMD_DESTROY, 5);
    guest.device->process_rings();
    CHECK(guest.sink.destroyed == std::vector<uint32_t> { 5 });
    guest.out(QXL_IO_FLUSH_RELEASE);
    CHECK(guest.pop_release_chain() == std::vector<uint64_t> { 10, 11 });
}

TEST_CASE("qxl rings: drawing from another surface and onto a missing one")
{
    NativeGuest guest;
    QXLImage image {};
    image.descriptor = { .id = 5, .type = SPICE_IMAGE_TYPE_SURFACE, .flags = 0, .width = 64, .height = 64 };
    image.surface_image.surface_id = 0;
    uint64_t drawable = guest.put_copy(1, QxlTestGuest::physical(1, guest.put(image)), { .top = 0, .left = 0, .bottom = 8, .right = 8 });
    guest.at<QXLDrawable>(drawable).surfaces_dest[0] = 0;
    guest.at<QXLDrawable>(drawable).surfaces_rects[0] = { .top = 0, .left = 0, .bottom = 8, .right = 8 };
    guest.push_draw(drawable);

    uint64_t missing = guest.put_copy(2, QxlTestGuest::physical(1, guest.put(image)), { .top = 0, .left = 0, .bottom = 8, .right = 8 });
    guest.at<QXLDrawable>(missing).surface_id = 9;
    guest.push_draw(missing);
    uint64_t outside = guest.put_copy(3, QxlTestGuest::physical(1, guest.put(image)), { .top = 60, .left = 0, .bottom = 70, .right = 8 });
    guest.push_draw(outside);
    guest.device->process_rings();

    REQUIRE(guest.sink.draws.size() == 1);
    CHECK(std::get<SurfaceImage>(std::get<CopyOp>(guest.sink.draws[0].operation).source.source).surface_id == 0);
    CHECK(guest.sink.draws[0].dependencies.size() == 1);
    CHECK(!guest.error_state()); // dropped, as spice-server does, and still released
    guest.out(QXL_IO_FLUSH_RELEASE);
    CHECK(guest.pop_release_chain() == std::vector<uint64_t> { 1, 2, 3 });
}

TEST_CASE("qxl rings: fills, copy-bits and compressed images")
{
    NativeGuest guest;
    QXLDrawable fill {};
    fill.release_info.id = 1;
    fill.type = QXL_DRAW_FILL;
    fill.bbox = { .top = 1, .left = 1, .bottom = 3, .right = 3 };
    fill.surfaces_dest[0] = fill.surfaces_dest[1] = fill.surfaces_dest[2] = -1;
    fill.u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
    fill.u.fill.brush.u.color = 0x00FF8000;
    fill.u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
    guest.push_draw(guest.put(fill));

    QXLDrawable bits = fill;
    bits.type = QXL_COPY_BITS;
    bits.u.copy_bits.src_pos = { 10, 20 };
    guest.push_draw(guest.put(bits));

    QXLImage quic {};
    quic.descriptor = { .id = 1, .type = SPICE_IMAGE_TYPE_QUIC, .flags = 0, .width = 1, .height = 1 };
    guest.push_draw(guest.put_copy(3, QxlTestGuest::physical(1, guest.put(quic)), { .top = 0, .left = 0, .bottom = 1, .right = 1 }));
    guest.device->process_rings();

    REQUIRE(guest.sink.draws.size() == 2);
    const auto& fill_op = std::get<FillOp>(guest.sink.draws[0].operation);
    CHECK(std::get<SolidBrush>(fill_op.brush).color == 0x00FF8000);
    CHECK(!guest.sink.draws[0].clip);
    CHECK(std::get<CopyBitsOp>(guest.sink.draws[1].operation).source_position == Point { 10, 20 });
    CHECK(!guest.error_state());
}

TEST_CASE("qxl rings: cursor set, move and hide come from the cursor ring")
{
    NativeGuest guest;
    QXLRam& ram = guest.ram_header();
    const uint8_t argb[2 * 2 * 4] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    uint64_t shape = guest.allocate(sizeof(QXLCursor) + sizeof(argb));
    QXLCursor cursor {};
    cursor.header = { .unique = 9, .type = SPICE_CURSOR_TYPE_ALPHA, .width = 2, .height = 2, .hot_spot_x = 1, .hot_spot_y = 0 };
    cursor.data_size = sizeof(argb);
    guest.at<QXLCursor>(shape) = QxlTestGuest::with_chunk(cursor, sizeof(argb));
    std::memcpy(&guest.at<uint8_t>(shape + sizeof(QXLCursor)), argb, sizeof(argb));

    QXLCursorCmd set {};
    set.release_info.id = 1;
    set.type = QXL_CURSOR_SET;
    set.u.set.position = { 100, 50 };
    set.u.set.visible = 1;
    set.u.set.shape = QxlTestGuest::physical(1, shape);
    guest.push(ram.cursor_ring, QxlTestGuest::physical(1, guest.put(set)), QXL_CMD_CURSOR);
    QXLCursorCmd move {};
    move.release_info.id = 2;
    move.type = QXL_CURSOR_MOVE;
    move.u.position = { 7, 8 };
    guest.push(ram.cursor_ring, QxlTestGuest::physical(1, guest.put(move)), QXL_CMD_CURSOR);
    QXLCursorCmd hide {};
    hide.release_info.id = 3;
    hide.type = QXL_CURSOR_HIDE;
    guest.push(ram.cursor_ring, QxlTestGuest::physical(1, guest.put(hide)), QXL_CMD_CURSOR);
    guest.out(QXL_IO_NOTIFY_CURSOR);
    CHECK(guest.kicks == 1);
    guest.device->process_rings();

    REQUIRE(guest.sink.cursors.size() == 3);
    const auto& cursor_set = std::get<CursorSet>(guest.sink.cursors[0]);
    CHECK(cursor_set.position == Point { 100, 50 });
    CHECK(cursor_set.visible);
    CHECK(cursor_set.shape.type == CursorType::Alpha);
    CHECK(cursor_set.shape.hot_spot_x == 1);
    CHECK(cursor_set.shape.data == std::vector<uint8_t>(std::begin(argb), std::end(argb)));
    CHECK(std::get<CursorMove>(guest.sink.cursors[1]).position == Point { 7, 8 });
    CHECK(std::holds_alternative<CursorHide>(guest.sink.cursors[2]));
    CHECK(+ram.cursor_ring.notify_on_prod == +ram.cursor_ring.prod + 1);
}

TEST_CASE("qxl rings: DESTROY_PRIMARY first runs the commands already on the ring, which draw on that primary")
{
    NativeGuest guest;
    auto pixels = pattern(4 * 4 * 4);
    QXLPHYSICAL image = guest.put_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_TOP_DOWN, 4, 4, 16, pixels);
    guest.push_draw(guest.put_copy(1, image, { .top = 0, .left = 0, .bottom = 4, .right = 4 }));
    guest.push_draw(guest.put_copy(2, image, { .top = 8, .left = 8, .bottom = 12, .right = 12 }));

    // The worker has not run: the guest destroys the primary (Linux's modeset) right after pushing.
    guest.out(QXL_IO_DESTROY_PRIMARY_ASYNC);
    CHECK(guest.sink.draws.size() == 2);
    CHECK(guest.sink.destroyed == std::vector<uint32_t> { 0 });
    CHECK(!guest.error_state());
    CHECK(!guest.device->process_rings());
    CHECK(guest.sink.draws.size() == 2);
}

TEST_CASE("qxl rings: Linux's boot sequence: its whole-framebuffer copy onto the 64x64 placeholder primary is dropped, the real one draws")
{
    // What Debian's 6.1 qxl driver sends at its first modeset (seen on spicebox and, with QEMU's qxl traces,
    // on QEMU): a 64x64 primary kept from its dumb-shadow placeholder, the 1024x768 framebuffer copied
    // onto it, then the primary destroyed and recreated at 1024x768.
    NativeGuest guest;
    constexpr uint32_t width = 1024, height = 768;
    auto pixels = pattern(width * height * 4);
    QXLPHYSICAL image = guest.put_bitmap(SPICE_BITMAP_FMT_32BIT, QXL_BITMAP_TOP_DOWN, width, height, width * 4, pixels);
    QXLRect frame { .top = 0, .left = 0, .bottom = int32_t(height), .right = int32_t(width) };
    guest.push_draw(guest.put_copy(1, image, frame));
    guest.out(QXL_IO_NOTIFY_CMD);
    CHECK(!guest.device->process_rings());
    CHECK(guest.sink.draws.empty());
    CHECK(!guest.error_state());
    // A routine drop, logged below the default level as spice-server drops it silently; the drawable is released.
    guest.out(QXL_IO_NOTIFY_OOM);
    CHECK(guest.pop_release_chain() == std::vector<uint64_t> { 1 });

    guest.out(QXL_IO_DESTROY_PRIMARY_ASYNC);
    guest.ram_header().create_surface = QXLSurfaceCreate {
        .width = width, .height = height, .stride = int32_t(width * 4), .format = SPICE_SURFACE_FMT_32_xRGB, .position = 0,
        .mouse_mode = 0, .flags = QXL_SURF_FLAG_KEEP_DATA, .type = QXL_SURF_TYPE_PRIMARY, .mem = QxlTestGuest::physical(2, 0) };
    guest.out(QXL_IO_CREATE_PRIMARY_ASYNC);
    REQUIRE(guest.sink.created.size() == 2);
    CHECK(guest.sink.created[1].width == width);
    CHECK(guest.sink.created[1].keep_data);
    guest.push_draw(guest.put_copy(2, image, frame));
    guest.out(QXL_IO_NOTIFY_CMD);
    CHECK(!guest.device->process_rings());
    REQUIRE(guest.sink.draws.size() == 1);
    CHECK(guest.sink.draws[0].bbox == Rect { 0, 0, int32_t(width), int32_t(height) });
    CHECK(!guest.error_state());
}
