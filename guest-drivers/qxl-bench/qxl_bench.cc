// The display workload of bench/: a fixed sequence of QXL draws on a 1024x768 primary, as fast as
// the card takes them: full-screen bitmap copies, solid fills, small text-like bitmap copies, and
// scrolls (copy_bits of the whole screen plus a new line of text). A counting client times the
// sequence by the primary's pixel (0, 0): black until the sequence starts, end_colour once it is done
// (nothing in between draws that colour there).
//   qxl_bench.delay_ms=N  wait this long after creating the primary, so a client can connect (default 1500)
//   qxl_bench.keys=N      then, for key-to-draw latency, answer each of N key presses (read by polling the
//                         i8042) with a fill of (0, 0) in key_colours[press % 2] (default 0)
// Serial: "qxl-bench: drawing N frames" before the sequence, "qxl-bench: done ..." after it.
#include "qxl/apic.h"
#include "qxl/qxl_card.h"
#include "qxl/qxl_desktop.h"
#include "qxl/qxl_heap.h"
#include "qxl/qxl_painter.h"
#include "qxl/qxl_releases.h"
#include "runtime/runtime.h"

namespace spicebox::guest {

namespace {

using namespace qxl;

constexpr unsigned width = 1024;
constexpr unsigned height = 768;
constexpr uint64_t default_delay_ms = 1500;
constexpr uint64_t max_delay_ms = 60000;

// The frames of each phase, and what one frame draws.
constexpr unsigned bitmap_frames = 30;
constexpr unsigned fill_frames = 60;
constexpr unsigned fills_per_frame = 32;
constexpr unsigned text_frames = 60;
constexpr unsigned glyphs_per_frame = 64;
constexpr unsigned scroll_frames = 60;
constexpr unsigned total_frames = bitmap_frames + fill_frames + text_frames + scroll_frames;
constexpr unsigned glyph_width = 8;
constexpr unsigned glyph_height = 14;
constexpr unsigned marker_size = 16;
// bench/bench_client.cc waits for this colour at (0, 0); no phase draws it there before the end.
constexpr uint32_t end_colour = 0x010203;
constexpr uint32_t key_colours[] = { 0x204060, 0x206040 };
constexpr uint64_t max_keys = 1000;

// The i8042 as a polled reader of key presses: no interrupt, so nothing to route on either VMM.
namespace i8042 {
constexpr uint16_t data = 0x60;
constexpr uint16_t status = 0x64;
constexpr uint8_t output_full = 0x01;
constexpr uint8_t from_mouse = 0x20;
constexpr uint8_t break_bit = 0x80;
constexpr uint8_t extended_prefix = 0xE0;
}

constexpr uint32_t rgb(unsigned red, unsigned green, unsigned blue)
{
    return uint32_t(red & 0xFF) << 16 | uint32_t(green & 0xFF) << 8 | (blue & 0xFF);
}

Card g_card("qxl-bench");
Heap g_heap;
Releases g_releases(g_heap, ReleaseIds::Table);
Painter g_painter(g_card, g_heap, g_releases);

uint32_t g_screen[width * height];
uint32_t g_line[width * glyph_height];

// A small deterministic generator for positions and colours (xorshift).
uint32_t g_random = 0x12345678;
uint32_t next_random()
{
    g_random ^= g_random << 13;
    g_random ^= g_random >> 17;
    g_random ^= g_random << 5;
    return g_random;
}

Bitmap bitmap_of(const uint32_t* pixels, uint32_t w, uint32_t h)
{
    Bitmap bitmap;
    bitmap.pixels = pixels;
    bitmap.width = w;
    bitmap.height = h;
    bitmap.stride = w * 4;
    return bitmap;
}

// Every frame a different picture, so no cache on either side can skip it; its blue channel keeps
// the top bit, so (0, 0) is never black nor end_colour.
bool full_screen_bitmap(unsigned frame)
{
    for (unsigned y = 0; y < height; ++y) {
        for (unsigned x = 0; x < width; ++x)
            g_screen[y * width + x] = rgb(x + frame * 8, y + frame * 4, 0x80 | ((x ^ y) & 0x7F));
    }
    return g_painter.copy(0, rect(0, 0, width, height), bitmap_of(g_screen, width, height), rect(0, 0, width, height));
}

bool fills()
{
    for (unsigned i = 0; i < fills_per_frame; ++i) {
        int32_t left = int32_t(next_random() % (width - 64));
        int32_t top = int32_t(next_random() % (height - 64));
        int32_t right = left + 16 + int32_t(next_random() % 240);
        int32_t bottom = top + 16 + int32_t(next_random() % 160);
        if (!g_painter.fill(0, rect(left, top, right > int32_t(width) ? width : right, bottom > int32_t(height) ? height : bottom),
                next_random() | 0x800000))
            return false;
    }
    return true;
}

// A glyph-sized bitmap of pseudo-random dots in a fixed ink on a fixed paper.
void glyph(uint32_t* pixels, unsigned stride_pixels)
{
    for (unsigned y = 0; y < glyph_height; ++y) {
        uint32_t dots = next_random();
        for (unsigned x = 0; x < glyph_width; ++x)
            pixels[y * stride_pixels + x] = (dots >> x) & 1 ? rgb(20, 20, 30) : rgb(236, 236, 240);
    }
}

bool text()
{
    uint32_t pixels[glyph_width * glyph_height];
    for (unsigned i = 0; i < glyphs_per_frame; ++i) {
        glyph(pixels, glyph_width);
        int32_t x = int32_t(next_random() % (width / glyph_width)) * int32_t(glyph_width);
        int32_t y = int32_t(next_random() % (height / glyph_height)) * int32_t(glyph_height);
        if (!g_painter.copy(0, rect(x, y, x + int32_t(glyph_width), y + int32_t(glyph_height)),
                bitmap_of(pixels, glyph_width, glyph_height), rect(0, 0, glyph_width, glyph_height)))
            return false;
    }
    return true;
}

// A terminal's scroll: everything up one text line, a new line at the bottom.
bool scroll()
{
    if (!g_painter.copy_bits(0, rect(0, 0, width, height - glyph_height), 0, glyph_height))
        return false;
    for (unsigned column = 0; column < width / glyph_width; ++column)
        glyph(g_line + column * glyph_width, width);
    int32_t top = int32_t(height - glyph_height);
    return g_painter.copy(0, rect(0, top, width, height), bitmap_of(g_line, width, glyph_height), rect(0, 0, width, glyph_height));
}

bool draw_frame(unsigned frame)
{
    if (frame < bitmap_frames)
        return full_screen_bitmap(frame);
    frame -= bitmap_frames;
    if (frame < fill_frames)
        return fills();
    frame -= fill_frames;
    if (frame < text_frames)
        return text();
    return scroll();
}

// Spins in ring 3 rather than halting on the LAPIC timer: under QEMU with this workplace's KVM a
// halted vCPU's LAPIC timer fires many times late (demo's 2 s of paced frames take 7 s there).
void sleep_ms(uint64_t milliseconds)
{
    apic::Deadline deadline(milliseconds * 1000);
    while (!deadline.passed())
        asm volatile("pause");
}

// Waits for a key press: a keyboard byte that is neither a release, a prefix nor a reply.
void wait_key_press()
{
    for (;;) {
        uint8_t state = inb(i8042::status);
        if (!(state & i8042::output_full))
            continue;
        uint8_t byte = inb(i8042::data);
        if (!(state & i8042::from_mouse) && !(byte & i8042::break_bit) && byte != i8042::extended_prefix)
            return;
    }
}

bool answer_keys(uint64_t keys)
{
    printf("qxl-bench: answering %lu key presses\n", keys);
    for (uint64_t i = 0; i < keys; ++i) {
        wait_key_press();
        if (!g_painter.fill(0, rect(0, 0, marker_size, marker_size), key_colours[i % 2]))
            return false;
    }
    print("qxl-bench: keys done\n");
    return true;
}

}

int guest_main(const BootInfo& boot)
{
    uint64_t delay_ms = default_delay_ms;
    if (auto option = find_parameter(boot.command_line(), "qxl_bench.delay_ms"); option.found
        && (!parse_unsigned(option.value, 10, delay_ms) || delay_ms > max_delay_ms)) {
        printf("qxl-bench: qxl_bench.delay_ms must be 0..%lu\n", max_delay_ms);
        return int(ExitStatus::Failed);
    }
    uint64_t keys = 0;
    if (auto option = find_parameter(boot.command_line(), "qxl_bench.keys"); option.found
        && (!parse_unsigned(option.value, 10, keys) || keys > max_keys)) {
        printf("qxl-bench: qxl_bench.keys must be 0..%lu\n", max_keys);
        return int(ExitStatus::Failed);
    }
    if (!g_card.probe())
        return int(ExitStatus::Failed);
    g_card.reset();
    // Polling, as Xorg's driver does, for the same reason as sleep_ms.
    g_card.use_polling();
    if (!start_desktop(g_card, g_heap, width, height, "qxl-bench"))
        return int(ExitStatus::Failed);
    if (!g_painter.fill(0, rect(0, 0, width, height), 0)) {
        print("qxl-bench: clearing the primary failed\n");
        return int(ExitStatus::Failed);
    }
    sleep_ms(delay_ms);

    printf("qxl-bench: drawing %u frames\n", total_frames);
    uint64_t tsc_per_us = apic::tsc_per_microsecond();
    uint64_t start = rdtsc();
    for (unsigned frame = 0; frame < total_frames; ++frame) {
        if (!draw_frame(frame)) {
            printf("qxl-bench: frame %u failed\n", frame);
            return int(ExitStatus::Failed);
        }
    }
    if (!g_painter.fill(0, rect(0, 0, marker_size, marker_size), end_colour)) {
        print("qxl-bench: the end marker failed\n");
        return int(ExitStatus::Failed);
    }
    uint64_t microseconds = (rdtsc() - start) / tsc_per_us;
    const Stats& stats = g_card.stats();
    printf("qxl-bench: done: %u frames submitted in %lu us (%lu commands, %lu port writes, %lu interrupts)\n", total_frames,
        microseconds, stats.commands, stats.port_writes, stats.interrupts);
    if (keys > 0 && !answer_keys(keys)) {
        print("qxl-bench: answering a key failed\n");
        return int(ExitStatus::Failed);
    }
    return int(ExitStatus::Passed);
}

}
