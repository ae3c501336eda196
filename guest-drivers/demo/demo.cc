// A small desktop drawn entirely through QXL commands: a gradient background of fills, windows
// with title bars and shadows, text as bitmaps of a synthetic 3x5 font (scaled 2x), a picture
// copied from a bitmap, a ball bouncing inside a window, a frame counter in the task bar, and an
// ALPHA cursor travelling over the screen. Frames are paced by the LAPIC timer; the card runs with
// interrupts, as under Linux.
// Input (PS/2 through the i8042): typed letters, digits and a few signs appear in the first window
// (Backspace erases), the arrow keys steer the ball, the mouse moves the cursor and paints while the
// left button is held. Each key is reported on serial as "demo: key <set-1 bytes in hex>", the
// pointer at most every 100 ms as "demo: pointer <dx> <dy> <buttons>" (motion since the last line,
// y down; PS/2 button bits: 1 left, 2 right, 4 middle), or, when the last event was an absolute one,
// "demo: position <x> <y> <buttons>" (the pixel it points at).
// Absolute pointer: the vmmouse (demo/vmmouse.h) when the machine has one ("demo: absolute pointer"
// on serial); its relative motion is handled as the PS/2 mouse's.
//   demo.seconds=N  animate for N seconds (default 5), then print "demo: ready" and exit;
//                   0 animates until the VM is stopped
#include "demo/ps2_input.h"
#include "demo/vmmouse.h"
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
constexpr uint8_t qxl_vector = 0x40;
constexpr uint8_t timer_vector = 0x41;
constexpr uint8_t frame_vector = 0x42;
constexpr uint8_t keyboard_vector = 0x43;
constexpr uint8_t mouse_vector = 0x44;
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

constexpr unsigned max_typed = 40;
constexpr const char* typed_label = "KEYS: ";
// Below the first window's five lines of text.
constexpr int32_t typed_top = about.top + title_height + 16 + 5 * 20 + 8;
constexpr uint32_t typed_ink = rgb(150, 40, 40);
constexpr unsigned pointer_report_frames = 3; // about 100 ms
constexpr int32_t paint_size = 4;
constexpr uint32_t paint_colour = rgb(250, 160, 40);

// What input asked for that the next frame draws, and the pointer motion not yet reported.
struct InputState {
    char typed[max_typed + 1];
    unsigned typed_length;
    bool typed_changed;
    int32_t steer_x; // -1 left, 1 right, 0 unchanged
    int32_t steer_y;
    bool pointer_seen;
    int32_t pointer_x;
    int32_t pointer_y;
    uint8_t buttons;
    bool pointer_changed;
    int32_t report_dx;
    int32_t report_dy;
    bool report_pending;
    bool report_absolute; // the last event was a position
};

ps2::Input g_input;
vmmouse::Mouse g_vmmouse;
InputState g_state;

namespace set1 {
constexpr uint8_t backspace = 0x0E;
constexpr uint8_t space = 0x39;
constexpr uint8_t extended = 0xE0;
constexpr uint8_t up = 0x48;
constexpr uint8_t left = 0x4B;
constexpr uint8_t right = 0x4D;
constexpr uint8_t down = 0x50;
}

// The characters of the keys the demo types, by set-1 make code (US layout, the font's glyphs only).
char key_character(uint8_t code)
{
    struct Row {
        uint8_t first;
        const char* keys;
    };
    constexpr Row rows[] = { { 0x02, "1234567890-" }, { 0x10, "QWERTYUIOP" }, { 0x1E, "ASDFGHJKL:" }, { 0x2C, "ZXCVBNM,./" } };
    for (const Row& row : rows) {
        if (code >= row.first && code < row.first + strlen(row.keys))
            return row.keys[code - row.first];
    }
    return code == set1::space ? ' ' : 0;
}

void on_key(const ps2::KeyEvent& key)
{
    print("demo: key");
    for (unsigned i = 0; i < key.length; ++i)
        printf(" %02x", key.bytes[i]);
    print("\n");
    if (key.released())
        return;
    if (key.length == 2 && key.bytes[0] == set1::extended) {
        switch (key.bytes[1]) {
        case set1::left:
            g_state.steer_x = -1;
            break;
        case set1::right:
            g_state.steer_x = 1;
            break;
        case set1::up:
            g_state.steer_y = -1;
            break;
        case set1::down:
            g_state.steer_y = 1;
            break;
        default:
            break;
        }
        return;
    }
    if (key.length != 1)
        return;
    if (key.bytes[0] == set1::backspace) {
        if (g_state.typed_length > 0)
            g_state.typed[--g_state.typed_length] = 0;
        g_state.typed_changed = true;
        return;
    }
    char character = key_character(key.bytes[0]);
    if (character == 0)
        return;
    if (g_state.typed_length == max_typed) {
        memmove(g_state.typed, g_state.typed + 1, max_typed - 1);
        --g_state.typed_length;
    }
    g_state.typed[g_state.typed_length++] = character;
    g_state.typed[g_state.typed_length] = 0;
    g_state.typed_changed = true;
}

void move_pointer(const ps2::PointerEvent& event)
{
    g_state.pointer_seen = true;
    g_state.pointer_x += event.dx;
    g_state.pointer_y += event.dy;
    if (g_state.pointer_x < 0)
        g_state.pointer_x = 0;
    if (g_state.pointer_x >= int32_t(width))
        g_state.pointer_x = int32_t(width) - 1;
    if (g_state.pointer_y < 0)
        g_state.pointer_y = 0;
    if (g_state.pointer_y >= int32_t(height))
        g_state.pointer_y = int32_t(height) - 1;
    g_state.buttons = event.buttons;
    g_state.pointer_changed = true;
    g_state.report_dx += event.dx;
    g_state.report_dy += event.dy;
    g_state.report_pending = true;
    g_state.report_absolute = false;
}

// The pixel a vmmouse coordinate points at, rounded: the host scales pixel p of n to p * max / (n - 1).
int32_t absolute_pixel(int32_t coordinate, unsigned size)
{
    int64_t scaled = (int64_t(coordinate) * (size - 1) + vmmouse::max_coordinate / 2) / vmmouse::max_coordinate;
    return scaled < 0 ? 0 : scaled >= int64_t(size) ? int32_t(size) - 1 : int32_t(scaled);
}

void on_vmmouse(const vmmouse::Event& event)
{
    if (event.relative) {
        // Handled and reported as PS/2 motion is: the vmmouse only carried it.
        move_pointer({ event.x, event.y, event.buttons });
        return;
    }
    g_state.pointer_seen = true;
    g_state.pointer_x = absolute_pixel(event.x, width);
    g_state.pointer_y = absolute_pixel(event.y, height);
    g_state.buttons = event.buttons;
    g_state.pointer_changed = true;
    g_state.report_pending = true;
    g_state.report_absolute = true;
}

void on_pointer(const ps2::PointerEvent& event)
{
    // With the vmmouse on, a PS/2 packet only says that its queue has events.
    if (g_vmmouse.active())
        g_vmmouse.drain(on_vmmouse);
    else
        move_pointer(event);
}

void report_pointer()
{
    if (!g_state.report_pending)
        return;
    if (g_state.report_absolute)
        printf("demo: position %d %d %u\n", int(g_state.pointer_x), int(g_state.pointer_y), unsigned(g_state.buttons));
    else
        printf("demo: pointer %d %d %u\n", int(g_state.report_dx), int(g_state.report_dy), unsigned(g_state.buttons));
    g_state.report_dx = 0;
    g_state.report_dy = 0;
    g_state.report_pending = false;
}

bool draw_typed()
{
    char line[max_text + 1];
    unsigned length = 0;
    for (const char* label = typed_label; *label; ++label)
        line[length++] = *label;
    for (unsigned i = 0; i < max_typed; ++i)
        line[length++] = i < g_state.typed_length ? g_state.typed[i] : ' ';
    line[length] = 0;
    g_state.typed_changed = false;
    return text(about.left + 16, typed_top, line, typed_ink, window_body);
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
        g_input.poll(on_key, on_pointer);
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

// The cursor travels a diamond around the screen's middle until the mouse moves it; then it
// follows the mouse, painting while the left button is held.
bool move_cursor(uint64_t frame)
{
    if (!g_state.pointer_seen) {
        int32_t phase = int32_t(frame % 120);
        g_state.pointer_x = 512 + (phase < 60 ? phase - 30 : 90 - phase) * 8;
        g_state.pointer_y = 384 + ((phase + 30) % 120 < 60 ? (phase + 30) % 120 - 30 : 90 - (phase + 30) % 120) * 6;
        return g_painter.cursor_move(int16_t(g_state.pointer_x), int16_t(g_state.pointer_y));
    }
    if (!g_state.pointer_changed)
        return true;
    g_state.pointer_changed = false;
    int32_t px = g_state.pointer_x, py = g_state.pointer_y;
    if ((g_state.buttons & ps2::button_left) && !g_painter.fill(0, rect(px, py, px + paint_size, py + paint_size), paint_colour))
        return false;
    return g_painter.cursor_move(int16_t(px), int16_t(py));
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
        if (g_state.steer_x != 0)
            dx = g_state.steer_x * (dx < 0 ? -dx : dx);
        if (g_state.steer_y != 0)
            dy = g_state.steer_y * (dy < 0 ? -dy : dy);
        g_state.steer_x = g_state.steer_y = 0;
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
        if (g_state.typed_changed && !draw_typed())
            return false;
        if (!move_cursor(frame))
            return false;
        if (frame % pointer_report_frames == 0)
            report_pointer();
        sleep_us(frame_us);
    }
    report_pointer();
    return true;
}

}

int guest_main(const BootInfo& boot)
{
    uint64_t seconds = default_seconds;
    if (auto option = find_parameter(boot.command_line(), "demo.seconds"); option.found && !parse_unsigned(option.value, 10, seconds)) {
        print("demo: demo.seconds must be a number\n");
        return int(ExitStatus::Failed);
    }
    if (!g_card.probe())
        return int(ExitStatus::Failed);
    g_card.reset();
    g_card.use_interrupts(qxl_vector, timer_vector, linux_int_mask);
    bool mouse = g_input.init(keyboard_vector, mouse_vector);
    bool absolute = mouse && g_vmmouse.init();
    if (!start_desktop(g_card, g_heap, width, height, "demo"))
        return int(ExitStatus::Failed);
    if (!desktop() || !draw_typed()) {
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
    if (!g_painter.cursor_set(512, 384, g_cursor, cursor_size, cursor_size, 0, 0)) {
        print("demo: setting the cursor failed\n");
        return int(ExitStatus::Failed);
    }
    print(mouse ? "demo: listening to the keyboard and mouse\n" : "demo: listening to the keyboard (the PS/2 mouse did not answer)\n");
    if (absolute)
        print("demo: absolute pointer (vmmouse)\n");
    if (!animate(seconds)) {
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
