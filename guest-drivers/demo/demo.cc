// A small desktop drawn entirely through QXL commands: a gradient background of fills, windows
// with title bars and shadows, text as bitmaps of a synthetic 3x5 font (scaled 2x), a picture
// copied from a bitmap, a ball bouncing inside a window, a frame counter in the task bar, and an
// ALPHA cursor travelling over the screen. Frames are paced by the LAPIC timer; the card runs with
// interrupts, as under Linux.
//   demo.seconds=N  animate for N seconds (default 5), then print "demo: ready" and exit;
//                   0 animates until the VM is stopped
#include "qxl/apic.h"
#include "qxl/qxl_card.h"
#include "qxl/qxl_heap.h"
#include "qxl/qxl_painter.h"
#include "qxl/qxl_releases.h"
#include "runtime/runtime.h"

namespace spicebox::guest {

namespace {

using namespace qxl;

constexpr unsigned width = 1024;
constexpr unsigned height = 768;
constexpr uint8_t qxl_vector = 0x40;
constexpr uint8_t timer_vector = 0x41;
constexpr uint8_t frame_vector = 0x42;
constexpr uint64_t frame_us = 33333;
constexpr uint64_t default_seconds = 5;

constexpr uint32_t rgb(unsigned red, unsigned green, unsigned blue)
{
    return uint32_t(red & 0xFF) << 16 | uint32_t(green & 0xFF) << 8 | (blue & 0xFF);
}

// 3x5 glyphs, a row per 3 bits from the top, bit 2 the leftmost dot.
struct Glyph {
    char character;
    uint16_t dots;
};
constexpr Glyph font[] = {
    { 'A', 0b010'101'111'101'101 }, { 'B', 0b110'101'110'101'110 }, { 'C', 0b011'100'100'100'011 }, { 'D', 0b110'101'101'101'110 },
    { 'E', 0b111'100'111'100'111 }, { 'F', 0b111'100'111'100'100 }, { 'G', 0b011'100'101'101'011 }, { 'H', 0b101'101'111'101'101 },
    { 'I', 0b111'010'010'010'111 }, { 'J', 0b001'001'001'101'010 }, { 'K', 0b101'101'110'101'101 }, { 'L', 0b100'100'100'100'111 },
    { 'M', 0b101'111'111'101'101 }, { 'N', 0b110'101'101'101'101 }, { 'O', 0b010'101'101'101'010 }, { 'P', 0b110'101'110'100'100 },
    { 'Q', 0b010'101'101'110'011 }, { 'R', 0b110'101'110'101'101 }, { 'S', 0b011'100'010'001'110 }, { 'T', 0b111'010'010'010'010 },
    { 'U', 0b101'101'101'101'111 }, { 'V', 0b101'101'101'010'010 }, { 'W', 0b101'101'111'111'101 }, { 'X', 0b101'101'010'101'101 },
    { 'Y', 0b101'101'010'010'010 }, { 'Z', 0b111'001'010'100'111 }, { '0', 0b111'101'101'101'111 }, { '1', 0b010'110'010'010'111 },
    { '2', 0b111'001'111'100'111 }, { '3', 0b111'001'111'001'111 }, { '4', 0b101'101'111'001'001 }, { '5', 0b111'100'111'001'111 },
    { '6', 0b111'100'111'101'111 }, { '7', 0b111'001'010'010'010 }, { '8', 0b111'101'111'101'111 }, { '9', 0b111'101'111'001'111 },
    { '-', 0b000'000'111'000'000 }, { ':', 0b000'010'000'010'000 }, { '.', 0b000'000'000'000'010 }, { '/', 0b001'001'010'100'100 },
    { ',', 0b000'000'000'010'100 },
};
constexpr unsigned glyph_scale = 2;
constexpr unsigned cell_width = 4 * glyph_scale;
constexpr unsigned cell_height = 7 * glyph_scale;
constexpr unsigned max_text = 64;

uint16_t glyph_dots(char character)
{
    for (const Glyph& glyph : font) {
        if (glyph.character == character)
            return glyph.dots;
    }
    return 0;
}

Card g_card("demo");
Heap g_heap;
Releases g_releases(g_heap, ReleaseIds::Table);
Painter g_painter(g_card, g_heap, g_releases);

uint32_t g_text[max_text * cell_width * cell_height];
constexpr unsigned picture_width = 240;
constexpr unsigned picture_height = 160;
uint32_t g_picture[picture_width * picture_height];
constexpr unsigned cursor_size = 32;
uint32_t g_cursor[cursor_size * cursor_size];

// Draws `text` in `ink` on `paper` with its top-left at (x, y) of the primary.
bool text(int32_t x, int32_t y, const char* string, uint32_t ink, uint32_t paper)
{
    unsigned length = unsigned(strlen(string));
    if (length > max_text)
        length = max_text;
    unsigned text_width = length * cell_width;
    for (unsigned row = 0; row < cell_height; ++row) {
        for (unsigned column = 0; column < text_width; ++column) {
            unsigned dot_x = (column % cell_width) / glyph_scale;
            unsigned dot_y = row / glyph_scale - 1;
            bool set = false;
            if (dot_x < 3 && row >= glyph_scale && dot_y < 5)
                set = glyph_dots(string[column / cell_width]) & (1u << (14 - dot_y * 3 - dot_x));
            g_text[row * text_width + column] = set ? ink : paper;
        }
    }
    Bitmap bitmap;
    bitmap.pixels = g_text;
    bitmap.width = text_width;
    bitmap.height = cell_height;
    bitmap.stride = text_width * 4;
    QXLRect area = rect(x, y, x + int32_t(text_width), y + int32_t(cell_height));
    return g_painter.copy(0, area, bitmap, rect(0, 0, int32_t(text_width), int32_t(cell_height)));
}

struct Window {
    int32_t left, top, right, bottom;
    const char* title;
    uint32_t title_colour;
};

constexpr uint32_t window_body = rgb(236, 236, 240);
constexpr int32_t title_height = 24;

bool window(const Window& w)
{
    return g_painter.fill(0, rect(w.left + 6, w.top + 6, w.right + 6, w.bottom + 6), rgb(16, 24, 40))
        && g_painter.fill(0, rect(w.left, w.top, w.right, w.bottom), window_body)
        && g_painter.fill(0, rect(w.left, w.top, w.right, w.top + title_height), w.title_colour)
        && g_painter.fill(0, rect(w.right - 20, w.top + 6, w.right - 8, w.top + 18), rgb(220, 80, 70))
        && text(w.left + 8, w.top + 5, w.title, rgb(255, 255, 255), w.title_colour);
}

constexpr Window about { 60, 60, 500, 300, "ABOUT SPICEBOX", rgb(40, 90, 170) };
constexpr Window picture_window { 560, 90, 560 + picture_width + 16, 90 + title_height + picture_height + 16, "PICTURE", rgb(60, 130, 90) };
constexpr Window bounce { 140, 360, 700, 640, "BOUNCING BALL", rgb(150, 70, 140) };
constexpr int32_t taskbar_top = height - 32;

bool desktop()
{
    for (unsigned band = 0; band < height / 16; ++band)
        if (!g_painter.fill(0, rect(0, int32_t(band * 16), width, int32_t(band * 16 + 16)), rgb(20 + band, 40 + band * 2, 90 + band * 3)))
            return false;
    if (!window(about) || !window(picture_window) || !window(bounce))
        return false;
    const char* lines[] = { "A KVM HYPERVISOR WITH A QXL CARD.", "THIS DESKTOP IS DRAWN WITH QXL", "COMMANDS FROM RING 3: FILL, COPY,",
        "COPY-BITS AND CURSOR COMMANDS.", "TEXT IS A 3X5 FONT OF OUR OWN." };
    for (unsigned i = 0; i < sizeof lines / sizeof lines[0]; ++i) {
        if (!text(about.left + 16, about.top + title_height + 16 + int32_t(i) * 20, lines[i], rgb(20, 20, 30), window_body))
            return false;
    }
    for (unsigned y = 0; y < picture_height; ++y) {
        for (unsigned x = 0; x < picture_width; ++x) {
            bool tile = (x / 20 + y / 20) % 2 == 0;
            g_picture[y * picture_width + x] = tile ? rgb(x, y * 3 / 2, 255 - x) : rgb(255 - x / 2, 120 + y / 2, x / 2);
        }
    }
    Bitmap bitmap;
    bitmap.pixels = g_picture;
    bitmap.width = picture_width;
    bitmap.height = picture_height;
    bitmap.stride = picture_width * 4;
    int32_t picture_left = picture_window.left + 8;
    int32_t picture_top = picture_window.top + title_height + 8;
    if (!g_painter.copy(0, rect(picture_left, picture_top, picture_left + int32_t(picture_width), picture_top + int32_t(picture_height)), bitmap,
            rect(0, 0, picture_width, picture_height)))
        return false;
    return g_painter.fill(0, rect(0, taskbar_top, width, height), rgb(30, 30, 36))
        && text(12, taskbar_top + 9, "SPICEBOX", rgb(120, 200, 255), rgb(30, 30, 36));
}

void sleep_us(uint64_t microseconds)
{
    uint64_t before = irq_count(frame_vector);
    apic::start_timer(frame_vector, microseconds);
    while (irq_count(frame_vector) == before) {
        uint64_t seen = irq_total();
        g_card.poll_events();
        if (g_card.take_events(QXL_INTERRUPT_DISPLAY))
            g_painter.collect();
        if (irq_count(frame_vector) == before)
            halt_until_interrupt(seen);
    }
}

void format_frame(char* out, uint64_t frame)
{
    const char* prefix = "FRAME ";
    unsigned length = 0;
    while (prefix[length]) {
        out[length] = prefix[length];
        ++length;
    }
    char digits[20];
    unsigned count = 0;
    do {
        digits[count++] = char('0' + frame % 10);
        frame /= 10;
    } while (frame != 0);
    while (count < 6)
        digits[count++] = '0';
    while (count > 0)
        out[length++] = digits[--count];
    out[length] = 0;
}

bool animate(uint64_t seconds)
{
    constexpr int32_t ball = 24;
    int32_t area_left = bounce.left + 4, area_top = bounce.top + title_height + 4, area_right = bounce.right - 4, area_bottom = bounce.bottom - 4;
    int32_t x = area_left + 10, y = area_top + 10, dx = 7, dy = 5;
    uint64_t frames = seconds * 1000000 / frame_us;
    if (!g_painter.fill(0, rect(x, y, x + ball, y + ball), rgb(230, 120, 30)) || !g_painter.fill(0, rect(x + 6, y + 6, x + 12, y + 12), rgb(255, 220, 160)))
        return false;
    for (uint64_t frame = 0; seconds == 0 || frame < frames; ++frame) {
        if (x + dx < area_left || x + dx + ball > area_right)
            dx = -dx;
        if (y + dy < area_top || y + dy + ball > area_bottom)
            dy = -dy;
        // The ball moves by copy_bits; the strips it uncovers get the window's colour again.
        if (!g_painter.copy_bits(0, rect(x + dx, y + dy, x + dx + ball, y + dy + ball), x, y))
            return false;
        int32_t strip_left = dx > 0 ? x : x + ball + dx;
        int32_t strip_top = dy > 0 ? y : y + ball + dy;
        if (!g_painter.fill(0, rect(strip_left, y, strip_left + (dx > 0 ? dx : -dx), y + ball), window_body)
            || !g_painter.fill(0, rect(x, strip_top, x + ball, strip_top + (dy > 0 ? dy : -dy)), window_body))
            return false;
        x += dx;
        y += dy;
        char counter[32];
        format_frame(counter, frame);
        if (!text(int32_t(width) - 140, taskbar_top + 9, counter, rgb(220, 220, 220), rgb(30, 30, 36)))
            return false;
        // The cursor travels a diamond around the screen's middle.
        int32_t phase = int32_t(frame % 120);
        int32_t cx = 512 + (phase < 60 ? phase - 30 : 90 - phase) * 8;
        int32_t cy = 384 + ((phase + 30) % 120 < 60 ? (phase + 30) % 120 - 30 : 90 - (phase + 30) % 120) * 6;
        if (!g_painter.cursor_move(int16_t(cx), int16_t(cy)))
            return false;
        sleep_us(frame_us);
    }
    return true;
}

}

int guest_main(const BootInfo& boot)
{
    uint64_t seconds = default_seconds;
    if (auto option = find_parameter(boot.boot_params.command_line(), "demo.seconds"); option.found && !parse_unsigned(option.value, 10, seconds)) {
        print("demo: demo.seconds must be a number\n");
        return int(ExitStatus::Failed);
    }
    if (!g_card.probe())
        return int(ExitStatus::Failed);
    g_card.reset();
    g_card.use_interrupts(qxl_vector, timer_vector, linux_int_mask);
    const QXLRom& rom = g_card.rom();
    const Bars& bars = g_card.bars();
    uint8_t main_slot = rom.slots_start;
    uint8_t surface_slot = uint8_t(rom.slots_start + 1);
    if (!g_card.memslot_add(main_slot, bars.ram, bars.ram + rom.ram_header_offset, true)
        || !g_card.memslot_add(surface_slot, bars.vram, bars.vram + bars.vram_size, true)) {
        print("demo: memory slots refused\n");
        return int(ExitStatus::Failed);
    }
    g_heap.init(g_card, main_slot, g_card.ram_bar(), rom.pages_offset, uint64_t(rom.num_pages) * 4096);
    QXLSurfaceCreate create {};
    create.width = width;
    create.height = height;
    create.stride = width * 4;
    create.format = SPICE_SURFACE_FMT_32_xRGB;
    create.type = QXL_SURF_TYPE_PRIMARY;
    create.mem = g_card.physical(surface_slot, 0);
    if (!g_card.create_primary(create, true) || !desktop()) {
        print("demo: drawing the desktop failed\n");
        return int(ExitStatus::Failed);
    }
    for (unsigned y = 0; y < cursor_size; ++y) {
        for (unsigned x = 0; x < cursor_size; ++x) {
            bool edge = x == 0 || x == y / 2 || y == 2 * cursor_size / 3;
            bool inside = x < y / 2 && y < 2 * cursor_size / 3;
            g_cursor[y * cursor_size + x] = edge && x <= y / 2 && y <= 2 * cursor_size / 3 ? 0xFF000000 : inside ? 0xFFFFFFFF : 0;
        }
    }
    if (!g_painter.cursor_set(512, 384, g_cursor, cursor_size, cursor_size, 0, 0) || !animate(seconds)) {
        print("demo: animation failed\n");
        return int(ExitStatus::Failed);
    }
    g_card.update_area(0, rect(0, 0, width, height), true);
    const Stats& stats = g_card.stats();
    printf("demo: ready (%lu commands, %lu cursor commands, %lu port writes, %lu interrupts)\n", stats.commands, stats.cursor_commands,
        stats.port_writes, stats.interrupts);
    return int(ExitStatus::Passed);
}

}
