// Misbehaves towards the QXL card one way at a time and checks the card's answer each time, as QEMU's
// qxl answers a "guest bug": QXL_INTERRUPT_ERROR appears in int_pending, every port but RESET is
// ignored from then on (an async MEMSLOT_ADD that would be valid completes no more), and after RESET
// the card works again (memory slots, a primary surface, and a fill that comes back on the release
// ring). One PASS or FAIL line per case; the last case checks that ERROR also raises the INTx line
// when unmasked. The card runs in polling mode (int_mask 0) except in that case.
#include "qxl/apic.h"
#include "qxl/qxl_card.h"
#include "qxl/qxl_heap.h"
#include "qxl/qxl_painter.h"
#include "qxl/qxl_releases.h"
#include "runtime/runtime.h"

namespace spicebox::guest {

namespace {

using namespace qxl;

constexpr uint8_t main_slot = 1;     // BAR0 up to the RAM header, as Linux's
constexpr uint8_t surface_slot = 2;  // all of BAR1
constexpr uint8_t spare_slot = 3;    // added while wedged: must not complete
constexpr uint32_t primary_size = 256;
constexpr int32_t primary_stride = primary_size * 4;
constexpr uint32_t fill_colour = 0x00336699;
// The device processes rings on its own thread; a reported error shows up well within this.
constexpr uint64_t error_timeout_us = 1000000;
constexpr uint8_t qxl_vector = 0x40;
constexpr uint8_t timer_vector = 0x41;

Card g_card("qxl-hostile");
Heap g_heap;
Releases g_releases(g_heap, ReleaseIds::Table);
Painter g_painter(g_card, g_heap, g_releases);

QXLSurfaceCreate primary_request(uint32_t width, uint32_t height, int32_t stride)
{
    QXLSurfaceCreate create {};
    create.width = width;
    create.height = height;
    create.stride = stride;
    create.format = SPICE_SURFACE_FMT_32_xRGB;
    create.type = QXL_SURF_TYPE_PRIMARY;
    create.mem = g_card.physical(surface_slot, 0);
    return create;
}

uint64_t main_slot_end() { return g_card.bars().ram + g_card.rom().ram_header_offset; }

// RESET, both slots, a primary and fresh command memory: the state each case starts from.
bool bring_up()
{
    g_card.reset();
    g_heap.init(g_card, main_slot, g_card.ram_bar(), g_card.rom().pages_offset, g_card.rom().ram_header_offset - g_card.rom().pages_offset);
    g_releases.clear();
    return g_card.memslot_add(main_slot, g_card.bars().ram, main_slot_end(), false)
        && g_card.memslot_add(surface_slot, g_card.bars().vram, g_card.bars().vram + g_card.bars().vram_size, false)
        && g_card.create_primary(primary_request(primary_size, primary_size, primary_stride), false);
}

// After RESET: slots, primary, and a fill that the device renders and returns on the release ring.
bool works_after_reset(const char*& failure)
{
    if (!bring_up()) {
        failure = "bring-up after RESET failed";
        return false;
    }
    if (!g_painter.fill(0, rect(8, 8, 72, 40), fill_colour)) {
        failure = "fill after RESET could not be pushed";
        return false;
    }
    // With the release ring empty, NOTIFY_OOM makes the device process the ring and flush releases.
    g_card.notify_oom();
    unsigned released = g_painter.collect();
    if (g_card.error()) {
        failure = "the card reported an error for a valid fill";
        return false;
    }
    if (released != 1 || g_releases.outstanding() != 0) {
        failure = "the fill did not come back on the release ring";
        return false;
    }
    // The device renders into the primary's memory (BAR1 offset 0); UPDATE_AREA makes sure.
    if (!g_card.update_area(0, rect(0, 0, primary_size, primary_size), false)) {
        failure = "UPDATE_AREA after the fill failed";
        return false;
    }
    auto* primary = reinterpret_cast<const volatile uint32_t*>(g_card.vram_bar());
    if ((primary[20 * primary_size + 20] & 0xFFFFFF) != fill_colour || (primary[4 * primary_size + 4] & 0xFFFFFF) != 0) {
        failure = "the fill is not in the primary surface";
        return false;
    }
    return true;
}

bool wait_for_error()
{
    apic::Deadline deadline(error_timeout_us);
    while (!g_card.error()) {
        if (deadline.passed())
            return false;
        asm volatile("pause");
    }
    return true;
}

// While wedged, a valid async MEMSLOT_ADD must be ignored: no IO_CMD (ports run synchronously, so
// it would be pending by the time the OUT returns).
bool ignores_ports()
{
    g_card.poll_events();
    g_card.take_events(QXL_INTERRUPT_IO_CMD);
    g_card.ram().mem_slot.mem_start = g_card.bars().vram;
    g_card.ram().mem_slot.mem_end = g_card.bars().vram + 4096;
    g_card.out(QXL_IO_MEMSLOT_ADD_ASYNC, spare_slot);
    g_card.poll_events();
    return g_card.take_events(QXL_INTERRUPT_IO_CMD) == 0;
}

// ---- building blocks for bad commands ----

template<typename T>
T* new_command()
{
    auto* command = static_cast<T*>(g_heap.allocate(sizeof(T)));
    if (command)
        *command = T {};
    return command;
}

QXLDrawable* new_drawable(uint8_t type)
{
    auto* drawable = new_command<QXLDrawable>();
    if (!drawable)
        return nullptr;
    drawable->release_info.id = 1;
    drawable->effect = QXL_EFFECT_OPAQUE;
    drawable->type = type;
    drawable->bbox = rect(0, 0, 16, 16);
    for (unsigned i = 0; i < 3; ++i)
        drawable->surfaces_dest[i] = -1;
    if (type == QXL_DRAW_FILL) {
        drawable->u.fill.brush.type = SPICE_BRUSH_TYPE_SOLID;
        drawable->u.fill.rop_descriptor = SPICE_ROPD_OP_PUT;
    }
    return drawable;
}

bool push_draw(QXLPHYSICAL data) { return g_card.push(Ring::Command, data, QXL_CMD_DRAW); }

bool push_drawable(QXLDrawable* drawable) { return drawable && push_draw(g_heap.physical(drawable)); }

// A COPY whose 64x64 32-bit bitmap's data is the chunk chain starting at `first` (filled by the caller).
QXLDrawable* copy_with_chunks(QXLDataChunk*& first)
{
    QXLDrawable* drawable = new_drawable(QXL_DRAW_COPY);
    auto* image = new_command<QXLImage>();
    first = static_cast<QXLDataChunk*>(g_heap.allocate(sizeof(QXLDataChunk) + 64));
    if (!drawable || !image || !first)
        return nullptr;
    image->descriptor.type = SPICE_IMAGE_TYPE_BITMAP;
    image->descriptor.width = 64;
    image->descriptor.height = 64;
    image->bitmap.format = SPICE_BITMAP_FMT_32BIT;
    image->bitmap.flags = QXL_BITMAP_TOP_DOWN;
    image->bitmap.x = 64;
    image->bitmap.y = 64;
    image->bitmap.stride = 256;
    image->bitmap.data = g_heap.physical(first);
    drawable->bbox = rect(0, 0, 64, 64);
    drawable->u.copy.src_bitmap = g_heap.physical(image);
    drawable->u.copy.src_area = rect(0, 0, 64, 64);
    drawable->u.copy.rop_descriptor = SPICE_ROPD_OP_PUT;
    return drawable;
}

QXLImage* image_of(QXLDrawable* drawable) { return static_cast<QXLImage*>(g_heap.pointer(drawable->u.copy.src_bitmap, sizeof(QXLImage))); }

// ---- the cases: each sends one bad thing; false if it could not even be sent ----

bool wild_address()
{
    // Past the end of the main slot (it ends at the RAM header).
    return push_draw(g_card.physical(main_slot, g_card.rom().ram_header_offset + 0x100000));
}

bool inactive_slot() { return push_draw(g_card.physical(5, 0x1000)); }

bool slot_beyond_table() { return push_draw(g_card.physical(200, 0x1000)); }

bool wrong_generation()
{
    QXLDrawable* drawable = new_drawable(QXL_DRAW_FILL);
    if (!drawable)
        return false;
    uint8_t generation = uint8_t(g_card.rom().slot_generation + 1);
    return push_draw(g_card.physical(main_slot, generation, g_heap.physical(drawable) & 0xFFFFFFFFFFFF));
}

bool chunk_self_loop()
{
    QXLDataChunk* chunk;
    QXLDrawable* drawable = copy_with_chunks(chunk);
    if (!drawable)
        return false;
    chunk->data_size = 0;
    chunk->next_chunk = g_heap.physical(chunk);
    return push_drawable(drawable);
}

bool chunk_two_loop()
{
    QXLDataChunk* first;
    QXLDrawable* drawable = copy_with_chunks(first);
    auto* second = static_cast<QXLDataChunk*>(g_heap.allocate(sizeof(QXLDataChunk) + 64));
    if (!drawable || !second)
        return false;
    *first = QXLDataChunk {};
    *second = QXLDataChunk {};
    first->data_size = 64;
    first->next_chunk = g_heap.physical(second);
    second->data_size = 64;
    second->prev_chunk = g_heap.physical(first);
    second->next_chunk = g_heap.physical(first);
    return push_drawable(drawable);
}

bool chunk_beyond_slot()
{
    QXLDataChunk* chunk;
    QXLDrawable* drawable = copy_with_chunks(chunk);
    if (!drawable)
        return false;
    // The chunk header is valid; its data would run past the main slot's end.
    uint64_t header_offset = g_card.rom().ram_header_offset - sizeof(QXLDataChunk) - 32;
    auto* tail = reinterpret_cast<QXLDataChunk*>(g_card.ram_bar() + header_offset);
    *tail = QXLDataChunk {};
    tail->data_size = 64 * 256;
    image_of(drawable)->bitmap.data = g_card.physical(main_slot, header_offset);
    return push_drawable(drawable);
}

bool huge_bitmap()
{
    QXLDataChunk* chunk;
    QXLDrawable* drawable = copy_with_chunks(chunk);
    if (!drawable)
        return false;
    QXLImage* image = image_of(drawable);
    image->bitmap.x = 0x10001;
    image->bitmap.y = 0x10001;
    image->bitmap.stride = 0x40004;
    return push_drawable(drawable);
}

bool huge_stride()
{
    QXLDataChunk* chunk;
    QXLDrawable* drawable = copy_with_chunks(chunk);
    if (!drawable)
        return false;
    QXLImage* image = image_of(drawable);
    image->bitmap.y = 0xFFFF;
    image->bitmap.stride = 0xFFFFFFFF;
    return push_drawable(drawable);
}

bool huge_clip_list()
{
    QXLDrawable* drawable = new_drawable(QXL_DRAW_FILL);
    auto* clip = static_cast<QXLClipRects*>(g_heap.allocate(sizeof(QXLClipRects) + sizeof(QXLRect)));
    if (!drawable || !clip)
        return false;
    *clip = QXLClipRects {};
    clip->num_rects = 0xFFFFFFFF;
    clip->chunk.data_size = sizeof(QXLRect);
    drawable->clip.type = SPICE_CLIP_TYPE_RECTS;
    drawable->clip.data = g_heap.physical(clip);
    return push_drawable(drawable);
}

bool huge_cursor()
{
    auto* command = new_command<QXLCursorCmd>();
    auto* shape = new_command<QXLCursor>();
    if (!command || !shape)
        return false;
    shape->header.type = SPICE_CURSOR_TYPE_ALPHA;
    shape->header.width = 4096;
    shape->header.height = 4096;
    shape->data_size = 0xFFFFFFFF;
    command->release_info.id = 1;
    command->type = QXL_CURSOR_SET;
    command->u.set.visible = 1;
    command->u.set.shape = g_heap.physical(shape);
    return g_card.push(Ring::Cursor, g_heap.physical(command), QXL_CMD_CURSOR);
}

bool bad_drawable_surface()
{
    QXLDrawable* drawable = new_drawable(QXL_DRAW_FILL);
    if (!drawable)
        return false;
    drawable->surface_id = 100000;
    return push_drawable(drawable);
}

bool bad_surface_command_id()
{
    auto* command = new_command<QXLSurfaceCmd>();
    if (!command)
        return false;
    command->release_info.id = 1;
    command->surface_id = 5000;
    command->type = QXL_SURFACE_CMD_CREATE;
    command->u.surface_create.format = SPICE_SURFACE_FMT_32_xRGB;
    command->u.surface_create.width = 16;
    command->u.surface_create.height = 16;
    command->u.surface_create.stride = 64;
    command->u.surface_create.data = g_card.physical(surface_slot, 0x400000);
    return g_card.push(Ring::Command, g_heap.physical(command), QXL_CMD_SURFACE);
}

bool surface_stride_not_aligned()
{
    auto* command = new_command<QXLSurfaceCmd>();
    if (!command)
        return false;
    command->release_info.id = 1;
    command->surface_id = 1;
    command->type = QXL_SURFACE_CMD_CREATE;
    command->u.surface_create.format = SPICE_SURFACE_FMT_32_xRGB;
    command->u.surface_create.width = 16;
    command->u.surface_create.height = 16;
    command->u.surface_create.stride = 66;
    command->u.surface_create.data = g_card.physical(surface_slot, 0x400000);
    return g_card.push(Ring::Command, g_heap.physical(command), QXL_CMD_SURFACE);
}

bool disordered_bbox()
{
    QXLDrawable* drawable = new_drawable(QXL_DRAW_FILL);
    if (!drawable)
        return false;
    drawable->bbox = rect(40, 40, 10, 10);
    return push_drawable(drawable);
}

bool unknown_command_type()
{
    QXLDrawable* drawable = new_drawable(QXL_DRAW_FILL);
    return drawable && g_card.push(Ring::Command, g_heap.physical(drawable), 77);
}

bool unknown_drawable_type() { return push_drawable(new_drawable(200)); }

bool draw_on_cursor_ring()
{
    QXLDrawable* drawable = new_drawable(QXL_DRAW_FILL);
    return drawable && g_card.push(Ring::Cursor, g_heap.physical(drawable), QXL_CMD_DRAW);
}

bool command_ring_index()
{
    QXLDrawable* drawable = new_drawable(QXL_DRAW_FILL);
    if (!drawable)
        return false;
    QXLCommandRing& ring = g_card.ram().cmd_ring;
    QXLCommand command {};
    command.data = g_heap.physical(drawable);
    command.type = QXL_CMD_DRAW;
    ring.items[ring.cons % QXL_COMMAND_RING_SIZE].el = command;
    ring.prod = ring.cons + 1000;
    g_card.out(QXL_IO_NOTIFY_CMD, 0);
    return true;
}

bool command_ring_size()
{
    g_card.ram().cmd_ring.num_items = 4096;
    return push_drawable(new_drawable(QXL_DRAW_FILL));
}

bool release_ring_index()
{
    if (!g_painter.fill(0, rect(0, 0, 8, 8), fill_colour))
        return false;
    // Let the device take the fill, then make the release ring's consumer index impossible.
    QXLRect area = rect(0, 0, 8, 8);
    if (!g_card.update_area(0, area, false))
        return false;
    QXLReleaseRing& ring = g_card.ram().release_ring;
    ring.cons = ring.prod + 5;
    g_card.flush_release();
    return true;
}

bool create_primary_twice()
{
    g_card.create_primary(primary_request(primary_size, primary_size, primary_stride), false);
    return true;
}

bool primary_too_large()
{
    g_card.destroy_primary(false);
    g_card.create_primary(primary_request(4096, 4096, 4096 * 4), false);
    return true;
}

bool primary_stride_not_aligned()
{
    g_card.destroy_primary(false);
    g_card.create_primary(primary_request(primary_size, primary_size, primary_stride + 2), false);
    return true;
}

bool memslot_reversed()
{
    g_card.memslot_add(spare_slot, g_card.bars().vram + 0x2000, g_card.bars().vram, false);
    return true;
}

bool memslot_outside_bars()
{
    g_card.memslot_add(spare_slot, 0x100000, 0x200000, false);
    return true;
}

bool memslot_id_out_of_range()
{
    g_card.memslot_add(9, g_card.bars().vram, g_card.bars().vram + 4096, false);
    return true;
}

bool memslot_added_twice()
{
    g_card.memslot_add(main_slot, g_card.bars().ram, main_slot_end(), false);
    return true;
}

bool unimplemented_port()
{
    g_card.out(QXL_IO_DETACH_PRIMARY, 0);
    return true;
}

bool port_beyond_range()
{
    g_card.out(30, 0);
    return true;
}

bool update_area_bad_surface()
{
    g_card.update_area(5000, rect(0, 0, 8, 8), false);
    return true;
}

bool set_mode_out_of_range()
{
    g_card.out(QXL_IO_SET_MODE, 255);
    return true;
}

struct Case {
    const char* name;
    bool (*provoke)();
};

constexpr Case cases[] = {
    { "wild QXLPHYSICAL past the slot", wild_address },
    { "address in an inactive slot", inactive_slot },
    { "slot id beyond the slot table", slot_beyond_table },
    { "address with a stale generation", wrong_generation },
    { "chunk chain looping on itself", chunk_self_loop },
    { "chunk chain looping through two chunks", chunk_two_loop },
    { "chunk data running past the slot", chunk_beyond_slot },
    { "bitmap of 65537x65537", huge_bitmap },
    { "bitmap stride of 4 GiB", huge_stride },
    { "clip list of 2^32-1 rectangles", huge_clip_list },
    { "cursor of 4096x4096", huge_cursor },
    { "drawable on surface 100000", bad_drawable_surface },
    { "surface command for surface 5000", bad_surface_command_id },
    { "surface stride not a multiple of 4", surface_stride_not_aligned },
    { "disordered bounding box", disordered_bbox },
    { "command type 77", unknown_command_type },
    { "drawable type 200", unknown_drawable_type },
    { "draw command on the cursor ring", draw_on_cursor_ring },
    { "command ring prod 1000 ahead of cons", command_ring_index },
    { "command ring num_items rewritten", command_ring_size },
    { "release ring cons ahead of prod", release_ring_index },
    { "CREATE_PRIMARY twice", create_primary_twice },
    { "primary larger than the VGA area", primary_too_large },
    { "primary stride not a multiple of 4", primary_stride_not_aligned },
    { "memslot ending before its start", memslot_reversed },
    { "memslot in guest RAM", memslot_outside_bars },
    { "memslot id 9", memslot_id_out_of_range },
    { "memslot added twice", memslot_added_twice },
    { "DETACH_PRIMARY (unimplemented port)", unimplemented_port },
    { "port 30 (beyond the 25)", port_beyond_range },
    { "UPDATE_AREA of surface 5000", update_area_bad_surface },
    { "SET_MODE 255", set_mode_out_of_range },
};

bool run_case(const Case& test)
{
    const char* failure = nullptr;
    if (!bring_up())
        failure = "bring-up before the case failed";
    else if (!test.provoke())
        failure = "the bad command could not be sent";
    else if (!wait_for_error())
        failure = "no QXL_INTERRUPT_ERROR in int_pending";
    else if (!ignores_ports())
        failure = "ports still work after the error (MEMSLOT_ADD_ASYNC completed)";
    else
        works_after_reset(failure);
    if (failure)
        printf("qxl-hostile: FAIL %s: %s (int_pending 0x%x)\n", test.name, failure, g_card.int_pending());
    else
        printf("qxl-hostile: PASS %s\n", test.name);
    return failure == nullptr;
}

// With ERROR unmasked, a guest bug raises the card's interrupt line; RESET lowers it.
bool error_interrupt()
{
    const char* failure = nullptr;
    if (!bring_up()) {
        failure = "bring-up failed";
    } else {
        g_card.use_interrupts(qxl_vector, timer_vector, QXL_INTERRUPT_ERROR | QXL_INTERRUPT_IO_CMD);
        uint64_t before = irq_count(qxl_vector);
        create_primary_twice();
        // Ring 3 runs with interrupts on: the interrupt arrives while this spins.
        apic::Deadline deadline(error_timeout_us);
        while (irq_count(qxl_vector) == before && !deadline.passed())
            asm volatile("pause");
        if (irq_count(qxl_vector) == before)
            failure = "no interrupt for QXL_INTERRUPT_ERROR";
        else if (!g_card.error())
            failure = "interrupt without QXL_INTERRUPT_ERROR";
        g_card.use_polling();
        if (!failure)
            works_after_reset(failure);
    }
    if (failure)
        printf("qxl-hostile: FAIL error raises the interrupt line: %s\n", failure);
    else
        printf("qxl-hostile: PASS error raises the interrupt line (vector 0x%x, GSI %u)\n", unsigned(qxl_vector), g_card.gsi());
    return failure == nullptr;
}

}

int guest_main(const BootInfo&)
{
    if (!g_card.probe())
        return int(ExitStatus::Failed);
    g_card.use_polling();
    uint64_t start = rdtsc();
    unsigned failed = 0;
    for (const Case& test : cases)
        failed += run_case(test) ? 0 : 1;
    failed += error_interrupt() ? 0 : 1;
    g_card.reset();
    uint64_t microseconds = (rdtsc() - start) / apic::tsc_per_microsecond();
    unsigned total = sizeof cases / sizeof cases[0] + 1;
    printf("qxl-hostile: %u of %u cases passed, %lu port writes, %lu us\n", total - failed, total, g_card.stats().port_writes, microseconds);
    return int(failed == 0 ? ExitStatus::Passed : ExitStatus::Failed);
}

}
