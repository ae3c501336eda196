// The PS/2 keyboard and mouse behind the i8042, as a ring-3 driver reads them: IRQ1 and IRQ12 go
// through the IOAPIC (edge-triggered, as qxl/apic.h explains; the i8042 lowers its line when a byte
// is read and raises it for the next, so every byte is an edge) with both 8259s masked. Ring 0 only
// counts the interrupts; poll() drains the controller through ports 0x64/0x60 when a count moved
// and hands complete events on. The controller translates the keyboard to set 1 (command byte bit
// 6), so keys arrive as set-1 sequences: a code (bit 7: released), E0 + code, or Pause's E1 + 2.
#pragma once

#include <stdint.h>

namespace spicebox::guest::ps2 {

struct KeyEvent {
    uint8_t bytes[3];
    uint8_t length;
    bool released() const { return bytes[length - 1] & 0x80; }
};

// PS/2 button bits.
constexpr uint8_t button_left = 0x01;
constexpr uint8_t button_right = 0x02;
constexpr uint8_t button_middle = 0x04;

// One mouse packet: motion with y pointing down, and the button bits.
struct PointerEvent {
    int32_t dx;
    int32_t dy;
    uint8_t buttons;
};

class Input {
public:
    using KeyHandler = void (*)(const KeyEvent&);
    using PointerHandler = void (*)(const PointerEvent&);

    // Routes IRQ1 and IRQ12 to the vectors, sets the command byte (interrupts and translation on,
    // both ports enabled) and turns on mouse reporting. False if the mouse did not acknowledge.
    bool init(uint8_t keyboard_vector, uint8_t mouse_vector);
    // Reads what the controller holds if an interrupt came since the last call (or a previous call
    // stopped early), calling the handlers for each complete key sequence and mouse packet.
    void poll(KeyHandler on_key, PointerHandler on_pointer);

private:
    void keyboard_byte(uint8_t byte, KeyHandler on_key);
    void mouse_byte(uint8_t byte, PointerHandler on_pointer);

    uint8_t m_keyboard_vector { 0 };
    uint8_t m_mouse_vector { 0 };
    uint64_t m_seen_interrupts { 0 };
    bool m_more { false };
    KeyEvent m_key {};
    uint8_t m_key_expected { 0 };
    uint8_t m_packet[3] {};
    uint8_t m_packet_length { 0 };
};

}
