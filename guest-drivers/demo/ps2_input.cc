#include "demo/ps2_input.h"

#include "qxl/apic.h"
#include "runtime/io.h"
#include "runtime/irq.h"

namespace spicebox::guest::ps2 {

namespace {

namespace port {
constexpr uint16_t data = 0x60;
constexpr uint16_t command = 0x64; // status when read
constexpr uint16_t pic_master_mask = 0x21;
constexpr uint16_t pic_slave_mask = 0xA1;
}

namespace status {
constexpr uint8_t output_full = 0x01;
constexpr uint8_t mouse_output = 0x20;
}

namespace controller {
constexpr uint8_t write_command_byte = 0x60;
constexpr uint8_t enable_mouse_port = 0xA8;
constexpr uint8_t write_to_mouse = 0xD4;
}

namespace command_byte {
constexpr uint8_t keyboard_interrupt = 0x01;
constexpr uint8_t mouse_interrupt = 0x02;
constexpr uint8_t system_flag = 0x04;
constexpr uint8_t translate = 0x40;
// Both interrupts, POST passed, translation to set 1; both ports enabled (their disable bits clear).
constexpr uint8_t value = keyboard_interrupt | mouse_interrupt | system_flag | translate;
}

constexpr uint8_t mouse_enable_reporting = 0xF4;
constexpr uint8_t device_ack = 0xFA;
// Bytes read before the mouse's acknowledgement may be keys typed before init.
constexpr unsigned ack_search_limit = 600;

constexpr unsigned keyboard_irq = 1;
constexpr unsigned mouse_irq = 12;
// KVM drives ISA lines into both 8259s and the IOAPIC, and the boot CPU takes 8259 interrupts as
// ExtINT: masked, they cannot arrive on a second, unprogrammed vector.
constexpr uint8_t pic_all_masked = 0xFF;

constexpr uint8_t extended_prefix = 0xE0;
constexpr uint8_t pause_prefix = 0xE1;
// Keyboard error and self-test codes, which are no keys.
constexpr uint8_t keyboard_overrun = 0x00;
constexpr uint8_t keyboard_error = 0xFF;

namespace packet {
constexpr uint8_t buttons = button_left | button_right | button_middle;
constexpr uint8_t always_one = 0x08;
constexpr uint8_t x_negative = 0x10;
constexpr uint8_t y_negative = 0x20;
constexpr uint8_t overflow = 0xC0;
}

// Bytes read per poll() before the rest waits for the next call, so a flood cannot stall drawing.
constexpr unsigned bytes_per_poll = 256;

}

bool Input::init(uint8_t keyboard_vector, uint8_t mouse_vector)
{
    m_keyboard_vector = keyboard_vector;
    m_mouse_vector = mouse_vector;
    outb(port::pic_master_mask, pic_all_masked);
    outb(port::pic_slave_mask, pic_all_masked);
    apic::enable_local_apic();
    apic::route_gsi(keyboard_irq, keyboard_vector);
    apic::route_gsi(mouse_irq, mouse_vector);

    outb(port::command, controller::write_command_byte);
    outb(port::data, command_byte::value);
    outb(port::command, controller::enable_mouse_port);
    outb(port::command, controller::write_to_mouse);
    outb(port::data, mouse_enable_reporting);
    // The controller answers at once; keys already waiting come first and are dropped.
    for (unsigned i = 0; i < ack_search_limit; ++i) {
        uint8_t state = inb(port::command);
        if (!(state & status::output_full))
            break;
        uint8_t byte = inb(port::data);
        if ((state & status::mouse_output) && byte == device_ack) {
            m_seen_interrupts = irq_count(keyboard_vector) + irq_count(mouse_vector);
            return true;
        }
    }
    return false;
}

void Input::poll(KeyHandler on_key, PointerHandler on_pointer)
{
    uint64_t interrupts = irq_count(m_keyboard_vector) + irq_count(m_mouse_vector);
    if (interrupts == m_seen_interrupts && !m_more)
        return;
    m_seen_interrupts = interrupts;
    m_more = false;
    for (unsigned i = 0; i < bytes_per_poll; ++i) {
        uint8_t state = inb(port::command);
        if (!(state & status::output_full))
            return;
        uint8_t byte = inb(port::data);
        if (state & status::mouse_output)
            mouse_byte(byte, on_pointer);
        else
            keyboard_byte(byte, on_key);
    }
    // Bytes may remain: no new edge announces them, so the next call reads on regardless.
    m_more = true;
}

void Input::keyboard_byte(uint8_t byte, KeyHandler on_key)
{
    if (m_key_expected == 0) {
        if (byte == keyboard_overrun || byte == keyboard_error)
            return;
        m_key.length = 0;
        m_key_expected = byte == extended_prefix ? 2 : byte == pause_prefix ? 3 : 1;
    }
    m_key.bytes[m_key.length++] = byte;
    if (m_key.length == m_key_expected) {
        m_key_expected = 0;
        on_key(m_key);
    }
}

void Input::mouse_byte(uint8_t byte, PointerHandler on_pointer)
{
    // A first byte always has bit 3 set; anything else means the stream slipped: wait for one.
    if (m_packet_length == 0 && !(byte & packet::always_one))
        return;
    m_packet[m_packet_length++] = byte;
    if (m_packet_length < sizeof m_packet)
        return;
    m_packet_length = 0;
    uint8_t flags = m_packet[0];
    PointerEvent event { 0, 0, uint8_t(flags & packet::buttons) };
    if (!(flags & packet::overflow)) {
        event.dx = int32_t(m_packet[1]) - ((flags & packet::x_negative) ? 256 : 0);
        event.dy = -(int32_t(m_packet[2]) - ((flags & packet::y_negative) ? 256 : 0));
    }
    on_pointer(event);
}

}
