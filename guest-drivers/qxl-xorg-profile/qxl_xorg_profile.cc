// Drives the QXL card the way xf86-video-qxl's UMS driver does (qxl-vga.md §3.4, §4.8): no
// interrupt handler (int_mask 0; async ports are waited for by spinning on int_pending and clearing
// IO_CMD by hand), synchronous memory slots over the draw area plus io pages and over BAR1, a
// bottom-up primary (negative stride) in BAR0's draw area, an off-screen surface (negative stride,
// BAR1) created and destroyed with SURFACE commands and used as a copy source, solid fills,
// chunked bitmaps, copy_bits, and release ids that are the commands' own addresses (the driver
// re-reads a released command to free its image and clip list). The operations come from
// patterns/qxl_xorg_pattern.h; the guest also applies them to a model in RAM and compares both
// surfaces with what UPDATE_AREA leaves in their memory.
#include "patterns/qxl_xorg_pattern.h"
#include "qxl/apic.h"
#include "qxl/qxl_card.h"
#include "qxl/qxl_heap.h"
#include "qxl/qxl_painter.h"
#include "qxl/qxl_releases.h"
#include "runtime/runtime.h"

namespace spicebox::guest {

namespace {

using namespace qxl;
namespace pattern = patterns::qxl_xorg;

constexpr uint8_t main_slot = 1;
constexpr uint8_t surface_slot = 2;
constexpr int32_t primary_stride = -int32_t(pattern::width * 4);
constexpr int32_t offscreen_stride = -int32_t(pattern::offscreen_width * 4);

Card g_card("qxl-xorg-profile");
Heap g_heap;
Releases g_releases(g_heap, ReleaseIds::Pointer);
Painter g_painter(g_card, g_heap, g_releases);

uint32_t g_image[pattern::image_width * pattern::image_height];
uint32_t g_model_primary[pattern::width * pattern::height];
uint32_t g_model_offscreen[pattern::offscreen_width * pattern::offscreen_height];
// copy_bits may overlap its source: the model copies through this.
uint32_t g_scratch[pattern::width * pattern::height];

struct ModelSurface {
    uint32_t* pixels;
    unsigned width;
    unsigned height;
};

ModelSurface model(uint32_t surface)
{
    if (surface == pattern::offscreen_id)
        return { g_model_offscreen, pattern::offscreen_width, pattern::offscreen_height };
    return { g_model_primary, pattern::width, pattern::height };
}

void apply_to_model(const pattern::Operation& op)
{
    ModelSurface target = model(op.surface);
    unsigned area_width = unsigned(op.area.right - op.area.left);
    unsigned area_height = unsigned(op.area.bottom - op.area.top);
    ModelSurface source = op.kind == pattern::Kind::FromOffscreen ? model(pattern::offscreen_id) : target;
    if (op.kind == pattern::Kind::CopyBits || op.kind == pattern::Kind::FromOffscreen) {
        for (unsigned y = 0; y < area_height; ++y) {
            for (unsigned x = 0; x < area_width; ++x)
                g_scratch[y * area_width + x] = source.pixels[(op.source_y + y) * source.width + op.source_x + x];
        }
    }
    for (unsigned y = 0; y < area_height; ++y) {
        for (unsigned x = 0; x < area_width; ++x) {
            uint32_t& pixel = target.pixels[(op.area.top + y) * target.width + op.area.left + x];
            switch (op.kind) {
            case pattern::Kind::Fill:
                pixel = op.colour;
                break;
            case pattern::Kind::Image:
                pixel = g_image[(op.source_y + y) * pattern::image_width + op.source_x + x];
                break;
            case pattern::Kind::FromOffscreen:
            case pattern::Kind::CopyBits:
                pixel = g_scratch[y * area_width + x];
                break;
            }
        }
    }
}

bool send(const pattern::Operation& op)
{
    QXLRect area = rect(op.area.left, op.area.top, op.area.right, op.area.bottom);
    int32_t area_width = op.area.right - op.area.left;
    int32_t area_height = op.area.bottom - op.area.top;
    switch (op.kind) {
    case pattern::Kind::Fill:
        return g_painter.fill(op.surface, area, op.colour);
    case pattern::Kind::Image: {
        Bitmap bitmap;
        bitmap.pixels = g_image;
        bitmap.width = pattern::image_width;
        bitmap.height = pattern::image_height;
        bitmap.stride = pattern::image_width * 4;
        bitmap.max_chunk_bytes = pattern::image_chunk_bytes;
        return g_painter.copy(op.surface, area, bitmap, rect(op.source_x, op.source_y, op.source_x + area_width, op.source_y + area_height));
    }
    case pattern::Kind::FromOffscreen:
        return g_painter.copy_surface(op.surface, area, pattern::offscreen_id,
            rect(op.source_x, op.source_y, op.source_x + area_width, op.source_y + area_height));
    case pattern::Kind::CopyBits:
        return g_painter.copy_bits(op.surface, area, op.source_x, op.source_y);
    }
    return false;
}

// UPDATE_AREA, then the surface's memory (bottom row first: negative stride) against the model.
unsigned read_back(uint32_t surface, const uint8_t* memory, int32_t stride)
{
    ModelSurface expected = model(surface);
    if (!g_card.update_area(surface, rect(0, 0, int32_t(expected.width), int32_t(expected.height)), true)) {
        printf("qxl-xorg-profile: FAIL UPDATE_AREA_ASYNC of surface %u\n", surface);
        return 1;
    }
    uint64_t pitch = uint64_t(-int64_t(stride));
    unsigned wrong = 0;
    for (unsigned y = 0; y < expected.height; ++y) {
        auto* row = reinterpret_cast<const volatile uint32_t*>(memory + pitch * (expected.height - 1 - y));
        for (unsigned x = 0; x < expected.width; ++x) {
            uint32_t actual = row[x] & 0xFFFFFF;
            uint32_t wanted = expected.pixels[y * expected.width + x];
            if (actual != wanted && wrong++ == 0)
                printf("qxl-xorg-profile: surface %u first differs at (%u, %u): 0x%06x, expected 0x%06x\n", surface, x, y, actual, wanted);
        }
    }
    return wrong;
}

bool fail(const char* step)
{
    printf("qxl-xorg-profile: FAIL %s (int_pending 0x%x)\n", step, g_card.int_pending());
    return false;
}

bool set_up()
{
    g_card.reset();
    g_card.use_polling();
    const QXLRom& rom = g_card.rom();
    const Bars& bars = g_card.bars();
    uint64_t io_pages_end = uint64_t(rom.pages_offset) + uint64_t(rom.num_pages) * 4096;
    if (!g_card.memslot_add(main_slot, bars.ram, bars.ram + io_pages_end, false))
        return fail("MEMSLOT_ADD of the draw area and io pages");
    if (!g_card.memslot_add(surface_slot, bars.vram, bars.vram + bars.vram_size, false))
        return fail("MEMSLOT_ADD of BAR1");
    g_heap.init(g_card, main_slot, g_card.ram_bar(), rom.pages_offset, uint64_t(rom.num_pages) * 4096);

    QXLSurfaceCreate create {};
    create.width = pattern::width;
    create.height = pattern::height;
    create.stride = primary_stride;
    create.format = SPICE_SURFACE_FMT_32_xRGB;
    create.type = QXL_SURF_TYPE_PRIMARY;
    create.mem = g_card.physical(main_slot, rom.draw_area_offset);
    if (!g_card.create_primary(create, true))
        return fail("CREATE_PRIMARY_ASYNC (bottom-up)");
    if (!g_painter.create_surface(pattern::offscreen_id, pattern::offscreen_width, pattern::offscreen_height, offscreen_stride,
            SPICE_SURFACE_FMT_32_xRGB, g_card.physical(surface_slot, 0)))
        return fail("SURFACE CREATE of the off-screen surface");
    return true;
}

}

int guest_main(const BootInfo&)
{
    if (!g_card.probe())
        return int(ExitStatus::Failed);
    uint64_t start = rdtsc();
    for (unsigned y = 0; y < pattern::image_height; ++y) {
        for (unsigned x = 0; x < pattern::image_width; ++x)
            g_image[y * pattern::image_width + x] = pattern::image_pixel(x, y);
    }
    if (!set_up())
        return int(ExitStatus::Failed);
    for (const pattern::Operation& op : pattern::operations) {
        apply_to_model(op);
        if (!send(op)) {
            fail("drawing");
            return int(ExitStatus::Failed);
        }
    }
    unsigned wrong = read_back(pattern::primary_id, g_card.ram_bar() + g_card.rom().draw_area_offset, primary_stride)
        + read_back(pattern::offscreen_id, g_card.vram_bar(), offscreen_stride);
    if (!g_painter.destroy_surface(pattern::offscreen_id)) {
        fail("SURFACE DESTROY of the off-screen surface");
        return int(ExitStatus::Failed);
    }
    // As Xorg's allocator when it wants its memory back: NOTIFY_OOM, then garbage-collect.
    apic::Deadline deadline(1000000);
    while (g_painter.collect(), g_releases.outstanding() != 0 && !deadline.passed()) {
        g_card.notify_oom();
        asm volatile("pause");
    }
    uint64_t microseconds = (rdtsc() - start) / apic::tsc_per_microsecond();

    const Stats& stats = g_card.stats();
    printf("qxl-xorg-profile: %lu commands, %lu port writes (%lu NOTIFY_CMD, %lu NOTIFY_OOM, %lu async), %lu release chains with %lu releases, "
           "%lu us\n",
        stats.commands, stats.port_writes, stats.notify_cmd, stats.oom_notifies, stats.async_ios, stats.release_chains, stats.releases,
        microseconds);
    bool passed = wrong == 0 && !g_card.error();
    if (wrong != 0)
        printf("qxl-xorg-profile: FAIL %u pixels read back after UPDATE_AREA differ from the model\n", wrong);
    if (g_releases.outstanding() != 0 || g_releases.unknown_ids() != 0) {
        printf("qxl-xorg-profile: FAIL %u commands never released, %u unknown release ids\n", g_releases.outstanding(), g_releases.unknown_ids());
        passed = false;
    }
    if (g_heap.allocations() != 0) {
        printf("qxl-xorg-profile: FAIL %lu heap blocks not freed through the released commands\n", g_heap.allocations());
        passed = false;
    }
    if (!passed)
        return int(ExitStatus::Failed);
    print("qxl-xorg-profile: ready\n");
    return int(ExitStatus::Passed);
}

}
