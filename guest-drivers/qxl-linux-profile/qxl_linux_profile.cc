// Drives the QXL card the way Linux's qxl.ko 6.1 does at probe and under fbcon (qxl-vga.md §5.2,
// §9): RESET, interrupts with int_mask 0x27, two async memory slots (BAR0 up to the RAM header, all
// of BAR1), a monitors-config buffer, a 64x64 primary in BAR1 that gets a full-frame DRAW_COPY,
// MONITORS_CONFIG, DESTROY_PRIMARY and a 1024x768 primary at BAR1 + 0x4000, another full-frame
// copy, then one DRAW_COPY per line of damage (bounding box + clip rectangles) from a shadow
// framebuffer in guest RAM. Release ids are small integers (Table); the release ring is collected
// on DISPLAY interrupts, and when the 4 MiB command heap runs dry the painter kicks NOTIFY_OOM, as
// Linux's fence wait does. A cursor is set and moved. Finally it reads the primary back after
// UPDATE_AREA and compares it with patterns/qxl_linux_pattern.h itself.
#include "patterns/qxl_linux_pattern.h"
#include "qxl/apic.h"
#include "qxl/qxl_card.h"
#include "qxl/qxl_heap.h"
#include "qxl/qxl_painter.h"
#include "qxl/qxl_releases.h"
#include "runtime/runtime.h"

namespace spicebox::guest {

namespace {

using namespace qxl;
namespace pattern = patterns::qxl_linux;

constexpr uint8_t qxl_vector = 0x40;
constexpr uint8_t timer_vector = 0x41;
constexpr uint64_t heap_size = 4 << 20;
// Linux's second primary lands after the first one's pages (EXP: slot 2 + 0x4000).
constexpr uint64_t second_primary_offset = 0x4000;
constexpr int32_t stride = pattern::width * 4;
constexpr unsigned max_heads = 4; // qxl.num_heads

Card g_card("qxl-linux-profile");
Heap g_heap;
Releases g_releases(g_heap, ReleaseIds::Table);
Painter g_painter(g_card, g_heap, g_releases);

// The fbdev shadow (vmalloc in Linux); one spare row because a copy reads whole pitches.
uint32_t g_shadow[(pattern::height + 1) * pattern::width];
uint32_t g_cursor[pattern::cursor_size * pattern::cursor_size];

uint8_t main_slot() { return g_card.rom().slots_start; }
uint8_t surface_slot() { return uint8_t(g_card.rom().slots_start + 1); }

bool fail(const char* step)
{
    printf("qxl-linux-profile: FAIL %s (int_pending 0x%x)\n", step, g_card.int_pending());
    return false;
}

bool create_primary(uint32_t width, uint32_t height, uint64_t offset)
{
    QXLSurfaceCreate create {};
    create.width = width;
    create.height = height;
    create.stride = int32_t(width * 4);
    create.format = SPICE_SURFACE_FMT_32_xRGB;
    create.flags = QXL_SURF_FLAG_KEEP_DATA;
    create.type = QXL_SURF_TYPE_PRIMARY;
    create.mem = g_card.physical(surface_slot(), offset);
    return g_card.create_primary(create, true);
}

// qxl_draw_dirty_fb: the bounding box of the damage is copied from the shadow (the image's stride
// is the framebuffer pitch, as Linux's), clipped to the damage rectangles.
bool draw_dirty(const QXLRect& bounds, const QXLRect* rects, unsigned count, unsigned shadow_width)
{
    Bitmap bitmap;
    bitmap.pixels = &g_shadow[uint64_t(bounds.top) * shadow_width + uint32_t(bounds.left)];
    bitmap.width = uint32_t(bounds.right - bounds.left);
    bitmap.height = uint32_t(bounds.bottom - bounds.top);
    bitmap.stride = shadow_width * 4;
    return g_painter.copy(0, bounds, bitmap, rect(0, 0, int32_t(bitmap.width), int32_t(bitmap.height)), Clip { rects, count });
}

// Garbage collection as Linux schedules it: when a DISPLAY interrupt came.
void collect_if_displayed()
{
    g_card.poll_events();
    if (g_card.take_events(QXL_INTERRUPT_DISPLAY))
        g_painter.collect();
}

QXLMonitorsConfig* g_monitors = nullptr;

bool set_monitors(uint32_t width, uint32_t height)
{
    g_monitors->count = 1;
    g_monitors->max_allowed = max_heads;
    QXLHead& head = g_monitors->heads[0];
    head = QXLHead {};
    head.width = width;
    head.height = height;
    return g_card.monitors_config(g_heap.physical(g_monitors));
}

bool probe_and_modeset()
{
    g_card.reset();
    g_card.use_interrupts(qxl_vector, timer_vector, linux_int_mask);
    const Bars& bars = g_card.bars();
    if (!g_card.memslot_add(main_slot(), bars.ram, bars.ram + g_card.rom().ram_header_offset, true))
        return fail("MEMSLOT_ADD_ASYNC of the main slot");
    if (!g_card.memslot_add(surface_slot(), bars.vram, bars.vram + bars.vram_size, true))
        return fail("MEMSLOT_ADD_ASYNC of the surface slot");
    g_heap.init(g_card, main_slot(), g_card.ram_bar(), g_card.rom().pages_offset, heap_size);

    uint64_t monitors_bytes = sizeof(QXLMonitorsConfig) + max_heads * sizeof(QXLHead);
    g_monitors = static_cast<QXLMonitorsConfig*>(g_heap.allocate(monitors_bytes));
    if (!g_monitors)
        return fail("allocating the monitors config");
    memset(g_monitors, 0, monitors_bytes);
    g_card.ram().monitors_config = g_heap.physical(g_monitors);

    for (unsigned y = 0; y < pattern::first_height; ++y) {
        for (unsigned x = 0; x < pattern::first_width; ++x)
            g_shadow[y * pattern::first_width + x] = pattern::background_pixel(x, y);
    }
    if (!create_primary(pattern::first_width, pattern::first_height, 0))
        return fail("CREATE_PRIMARY_ASYNC 64x64");
    QXLRect small = rect(0, 0, pattern::first_width, pattern::first_height);
    if (!draw_dirty(small, &small, 1, pattern::first_width))
        return fail("full-frame copy to the 64x64 primary");
    if (!set_monitors(pattern::first_width, pattern::first_height))
        return fail("MONITORS_CONFIG_ASYNC");
    if (!g_card.destroy_primary(true))
        return fail("DESTROY_PRIMARY_ASYNC");
    if (!create_primary(pattern::width, pattern::height, second_primary_offset))
        return fail("CREATE_PRIMARY_ASYNC 1024x768");

    for (unsigned y = 0; y < pattern::height; ++y) {
        for (unsigned x = 0; x < pattern::width; ++x)
            g_shadow[y * pattern::width + x] = pattern::background_pixel(x, y);
    }
    QXLRect full = rect(0, 0, pattern::width, pattern::height);
    if (!draw_dirty(full, &full, 1, pattern::width))
        return fail("full-frame copy to the 1024x768 primary");
    if (!set_monitors(pattern::width, pattern::height))
        return fail("MONITORS_CONFIG_ASYNC 1024x768");
    return true;
}

bool console_lines()
{
    for (unsigned line = 0; line < pattern::lines; ++line) {
        pattern::Rect bounds = pattern::line_bounds(line);
        for (int32_t y = bounds.top; y < bounds.bottom; ++y) {
            for (int32_t x = bounds.left; x < bounds.right; ++x)
                g_shadow[y * pattern::width + x] = pattern::dirty(x, y) ? pattern::text_pixel(x, y) : pattern::hidden_colour;
        }
        QXLRect rects[pattern::rects_per_line];
        for (unsigned index = 0; index < pattern::rects_per_line; ++index) {
            pattern::Rect dirty = pattern::dirty_rect(line, index);
            rects[index] = rect(dirty.left, dirty.top, dirty.right, dirty.bottom);
        }
        if (!draw_dirty(rect(bounds.left, bounds.top, bounds.right, bounds.bottom), rects, pattern::rects_per_line, pattern::width))
            return fail("damage copy");
        collect_if_displayed();
    }
    return true;
}

bool cursor()
{
    for (unsigned y = 0; y < pattern::cursor_size; ++y) {
        for (unsigned x = 0; x < pattern::cursor_size; ++x)
            g_cursor[y * pattern::cursor_size + x] = pattern::cursor_pixel(x, y);
    }
    if (!g_painter.cursor_set(100, 100, g_cursor, pattern::cursor_size, pattern::cursor_size, 0, 0))
        return fail("cursor SET");
    for (int16_t step = 1; step <= 10; ++step) {
        if (!g_painter.cursor_move(int16_t(100 + step * (pattern::cursor_final_x - 100) / 10), int16_t(100 + step * (pattern::cursor_final_y - 100) / 10)))
            return fail("cursor MOVE");
    }
    return true;
}

// Reads the primary back after UPDATE_AREA and counts the pixels that differ from the pattern.
unsigned check_screen()
{
    auto* primary = reinterpret_cast<const volatile uint32_t*>(g_card.vram_bar() + second_primary_offset);
    unsigned wrong = 0;
    for (unsigned y = 0; y < pattern::height; ++y) {
        for (unsigned x = 0; x < pattern::width; ++x) {
            uint32_t actual = primary[y * pattern::width + x] & 0xFFFFFF;
            uint32_t expected = pattern::screen_pixel(x, y);
            if (actual != expected && wrong++ == 0)
                printf("qxl-linux-profile: first wrong pixel at (%u, %u): 0x%06x, expected 0x%06x\n", x, y, actual, expected);
        }
    }
    return wrong;
}

}

int guest_main(const BootInfo&)
{
    if (!g_card.probe())
        return int(ExitStatus::Failed);
    uint64_t start = rdtsc();
    if (!probe_and_modeset() || !console_lines() || !cursor())
        return int(ExitStatus::Failed);
    if (!g_card.update_area(0, rect(0, 0, pattern::width, pattern::height), true)) {
        fail("UPDATE_AREA_ASYNC");
        return int(ExitStatus::Failed);
    }
    // Teardown as qxl_device_fini: NOTIFY_OOM until everything came back, for at most a second.
    apic::Deadline teardown(1000000);
    while (g_painter.collect(), g_releases.outstanding() != 0 && !teardown.passed()) {
        g_card.notify_oom();
        g_card.wait_events(QXL_INTERRUPT_DISPLAY, 10000);
    }
    uint64_t microseconds = (rdtsc() - start) / apic::tsc_per_microsecond();

    const Stats& stats = g_card.stats();
    printf("qxl-linux-profile: %lu commands, %lu cursor commands, %lu port writes (%lu NOTIFY_CMD, %lu NOTIFY_CURSOR, %lu NOTIFY_OOM, "
           "%lu async), %lu interrupts, %lu release chains with %lu releases, %lu us\n",
        stats.commands, stats.cursor_commands, stats.port_writes, stats.notify_cmd, stats.notify_cursor, stats.oom_notifies, stats.async_ios,
        stats.interrupts, stats.release_chains, stats.releases, microseconds);
    bool passed = true;
    if (g_releases.outstanding() != 0 || g_releases.unknown_ids() != 0) {
        printf("qxl-linux-profile: FAIL %u commands never released, %u unknown release ids\n", g_releases.outstanding(), g_releases.unknown_ids());
        passed = false;
    }
    if (stats.oom_notifies == 0) {
        print("qxl-linux-profile: FAIL the command heap never ran out (no NOTIFY_OOM)\n");
        passed = false;
    }
    if (unsigned wrong = check_screen(); wrong != 0) {
        printf("qxl-linux-profile: FAIL %u pixels of the primary differ from the pattern\n", wrong);
        passed = false;
    }
    if (!passed)
        return int(ExitStatus::Failed);
    print("qxl-linux-profile: ready\n");
    return int(ExitStatus::Passed);
}

}
