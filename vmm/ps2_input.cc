#include "vmm/ps2_input.h"

#include "base/log.h"
#include "devices/i8042.h"

#include <algorithm>

namespace spicebox {

namespace {

constexpr uint8_t extended_prefix = 0xE0;
constexpr uint8_t pause_prefix = 0xE1; // only Pause's first half: E1 1D (set 2: E1 14)
constexpr uint8_t set1_break_bit = 0x80;
constexpr uint8_t set2_break_prefix = 0xF0;
constexpr uint8_t make_code_mask = 0x7F;

// Keys whose bytes need more than the table. PrintScreen alone sends a fake left shift (E0 2A)
// around its code unless shift or ctrl is held, and with alt held it is SysRq (set 1: 54).
constexpr uint16_t print_screen = 0xE037;
constexpr uint16_t fake_left_shift = 0xE02A;
constexpr uint16_t alt_sysrq = 0x54;

enum class Modifier : uint8_t {
    LeftShift = 1 << 0,
    RightShift = 1 << 1,
    LeftCtrl = 1 << 2,
    RightCtrl = 1 << 3,
    LeftAlt = 1 << 4,
    RightAlt = 1 << 5,
};
constexpr uint8_t shift_or_ctrl_bits = uint8_t(Modifier::LeftShift) | uint8_t(Modifier::RightShift) | uint8_t(Modifier::LeftCtrl)
    | uint8_t(Modifier::RightCtrl);
constexpr uint8_t alt_bits = uint8_t(Modifier::LeftAlt) | uint8_t(Modifier::RightAlt);

namespace key {
constexpr uint16_t left_shift = 0x2A;
constexpr uint16_t right_shift = 0x36;
constexpr uint16_t left_ctrl = 0x1D;
constexpr uint16_t right_ctrl = 0xE01D;
constexpr uint16_t left_alt = 0x38;
constexpr uint16_t right_alt = 0xE038;
}

uint8_t modifier_bit(uint16_t scancode)
{
    switch (scancode) {
    case key::left_shift:
        return uint8_t(Modifier::LeftShift);
    case key::right_shift:
        return uint8_t(Modifier::RightShift);
    case key::left_ctrl:
        return uint8_t(Modifier::LeftCtrl);
    case key::right_ctrl:
        return uint8_t(Modifier::RightCtrl);
    case key::left_alt:
        return uint8_t(Modifier::LeftAlt);
    case key::right_alt:
        return uint8_t(Modifier::RightAlt);
    default:
        return 0;
    }
}

// Set 1 -> set 2, indexed by the set-1 make code: the inverse of the 8042's set 2 -> set 1
// translation (Andries Brouwer, "Keyboard scancodes", section "Translation"), where F7 (set 2: 83)
// and Alt+SysRq (set 2: 84) are the two keys beyond 0x7F. The same table serves E0 keys, whose
// second byte the controller translates alike.
constexpr uint8_t set1_to_set2_table[128] = {
    // 0x00..0x0F
    0x00, 0x76, 0x16, 0x1E, 0x26, 0x25, 0x2E, 0x36, 0x3D, 0x3E, 0x46, 0x45, 0x4E, 0x55, 0x66, 0x0D,
    // 0x10..0x1F
    0x15, 0x1D, 0x24, 0x2D, 0x2C, 0x35, 0x3C, 0x43, 0x44, 0x4D, 0x54, 0x5B, 0x5A, 0x14, 0x1C, 0x1B,
    // 0x20..0x2F
    0x23, 0x2B, 0x34, 0x33, 0x3B, 0x42, 0x4B, 0x4C, 0x52, 0x0E, 0x12, 0x5D, 0x1A, 0x22, 0x21, 0x2A,
    // 0x30..0x3F
    0x32, 0x31, 0x3A, 0x41, 0x49, 0x4A, 0x59, 0x7C, 0x11, 0x29, 0x58, 0x05, 0x06, 0x04, 0x0C, 0x03,
    // 0x40..0x4F
    0x0B, 0x83, 0x0A, 0x01, 0x09, 0x77, 0x7E, 0x6C, 0x75, 0x7D, 0x7B, 0x6B, 0x73, 0x74, 0x79, 0x69,
    // 0x50..0x5F
    0x72, 0x7A, 0x70, 0x71, 0x84, 0x60, 0x61, 0x78, 0x07, 0x0F, 0x17, 0x1F, 0x27, 0x2F, 0x37, 0x3F,
    // 0x60..0x6F
    0x47, 0x4F, 0x56, 0x5E, 0x08, 0x10, 0x18, 0x20, 0x28, 0x30, 0x38, 0x40, 0x48, 0x50, 0x57, 0x6F,
    // 0x70..0x7F
    0x13, 0x19, 0x39, 0x51, 0x53, 0x5C, 0x5F, 0x62, 0x63, 0x64, 0x65, 0x67, 0x68, 0x6A, 0x6D, 0x6E,
};

// One key's bytes from the table alone; false for a code no key sends.
bool append_key(std::vector<uint8_t>& out, uint16_t scancode, bool release, uint8_t set)
{
    auto prefix = uint8_t(scancode >> 8);
    auto code = uint8_t(scancode);
    if ((prefix != 0 && prefix != extended_prefix && prefix != pause_prefix) || code > make_code_mask)
        return false;
    uint8_t set2 = set1_to_set2(code);
    if (set2 == 0)
        return false;
    if (prefix != 0)
        out.push_back(prefix);
    if (set == 1) {
        out.push_back(uint8_t(code | (release ? set1_break_bit : 0)));
        return true;
    }
    if (release)
        out.push_back(set2_break_prefix);
    out.push_back(set2);
    return true;
}

namespace mouse_packet {
constexpr uint8_t left = 0x01;
constexpr uint8_t right = 0x02;
constexpr uint8_t middle = 0x04;
constexpr uint8_t always_one = 0x08;
constexpr uint8_t x_negative = 0x10;
constexpr uint8_t y_negative = 0x20;
// A packet holds -256..255 per axis; larger motion is split rather than flagged as overflow, which
// drivers discard.
constexpr int64_t max_step = 255;
constexpr size_t bytes = 3;
}

}

uint8_t set1_to_set2(uint8_t code) { return code <= make_code_mask ? set1_to_set2_table[code] : 0; }

std::vector<uint8_t> keyboard_bytes(uint16_t scancode, bool release, uint8_t set, HeldModifiers held)
{
    std::vector<uint8_t> out;
    if (set != 1 && set != 2)
        return out;
    if (scancode == print_screen && held.alt) {
        append_key(out, alt_sysrq, release, set);
        return out;
    }
    if (scancode == print_screen && !held.shift_or_ctrl) {
        // Make: fake shift down, then the key; break: the key, then the fake shift up.
        append_key(out, release ? print_screen : fake_left_shift, release, set);
        append_key(out, release ? fake_left_shift : print_screen, release, set);
        return out;
    }
    if (!append_key(out, scancode, release, set))
        out.clear();
    return out;
}

std::vector<uint8_t> mouse_packets(int32_t dx, int32_t dy, uint32_t buttons)
{
    uint8_t first = mouse_packet::always_one;
    if (buttons & mouse_button::left)
        first |= mouse_packet::left;
    if (buttons & mouse_button::right)
        first |= mouse_packet::right;
    if (buttons & mouse_button::middle)
        first |= mouse_packet::middle;
    // PS/2's y axis points up.
    int64_t x = dx;
    int64_t y = -int64_t(dy);
    std::vector<uint8_t> out;
    do {
        int64_t step_x = std::clamp(x, -mouse_packet::max_step, mouse_packet::max_step);
        int64_t step_y = std::clamp(y, -mouse_packet::max_step, mouse_packet::max_step);
        x -= step_x;
        y -= step_y;
        out.push_back(uint8_t(first | (step_x < 0 ? mouse_packet::x_negative : 0) | (step_y < 0 ? mouse_packet::y_negative : 0)));
        out.push_back(uint8_t(step_x));
        out.push_back(uint8_t(step_y));
    } while ((x != 0 || y != 0) && out.size() < max_packets_per_motion * mouse_packet::bytes);
    return out;
}

uint32_t vmmouse_buttons(uint32_t buttons)
{
    uint32_t bits = 0;
    if (buttons & mouse_button::left)
        bits |= vmmouse::left_button;
    if (buttons & mouse_button::right)
        bits |= vmmouse::right_button;
    if (buttons & mouse_button::middle)
        bits |= vmmouse::middle_button;
    return bits;
}

Ps2Input::Ps2Input(std::shared_ptr<I8042> controller)
    : m_controller(std::move(controller))
    , m_vmmouse([controller = m_controller] { controller->push_mouse_bytes(mouse_packets(0, 0, 0)); },
          [this](bool) {
              std::lock_guard lock(m_listener_mutex);
              if (m_absolute_listener)
                  m_absolute_listener();
          })
{
}

void Ps2Input::key_down(uint16_t scancode) { key(scancode, false); }

void Ps2Input::key_up(uint16_t scancode) { key(scancode, true); }

void Ps2Input::key(uint16_t scancode, bool release)
{
    std::lock_guard lock(m_mutex);
    uint8_t set = m_controller->keyboard_scancode_set();
    if (set != 1 && set != 2) {
        if (!m_warned_set)
            LOG_WARN("ps2", "the guest selected scan code set %u, which is not offered: keys are dropped", set);
        m_warned_set = true;
        return;
    }
    HeldModifiers held { (m_modifiers & shift_or_ctrl_bits) != 0, (m_modifiers & alt_bits) != 0 };
    auto bytes = keyboard_bytes(scancode, release, set, held);
    if (uint8_t bit = modifier_bit(scancode))
        m_modifiers = release ? uint8_t(m_modifiers & ~bit) : uint8_t(m_modifiers | bit);
    if (bytes.empty()) {
        LOG_DEBUG("ps2", "no key has scan code 0x%04x", scancode);
        return;
    }
    m_controller->push_keyboard_bytes(bytes);
}

void Ps2Input::pointer_motion(int32_t dx, int32_t dy, int32_t wheel, uint32_t buttons)
{
    std::lock_guard lock(m_mutex);
    buttons &= mouse_button::left | mouse_button::middle | mouse_button::right;
    // While the guest's driver uses the vmmouse it takes every PS/2 packet as a doorbell for its queue.
    if (m_vmmouse.motion(dx, dy, wheel, vmmouse_buttons(buttons))) {
        m_buttons = buttons;
        return;
    }
    // A wheel notch alone changes nothing a standard mouse reports.
    if (dx == 0 && dy == 0 && buttons == m_buttons)
        return;
    m_buttons = buttons;
    m_controller->push_mouse_bytes(mouse_packets(dx, dy, buttons));
}

void Ps2Input::pointer_position(uint32_t x, uint32_t y, int32_t wheel, uint32_t buttons)
{
    // Both ranges are 0..0xFFFF.
    static_assert(absolute_pointer_max == vmmouse::max_coordinate);
    m_vmmouse.position(x, y, wheel, vmmouse_buttons(buttons));
}

bool Ps2Input::absolute_pointer() const { return m_vmmouse.absolute(); }

void Ps2Input::watch_absolute_pointer(std::function<void()> changed)
{
    std::lock_guard lock(m_listener_mutex);
    m_absolute_listener = std::move(changed);
}

} // namespace spicebox
