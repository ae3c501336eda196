// The machine's InputSink: what a SPICE client (or any host input) does with the keyboard and the
// mouse, turned into the bytes a real PS/2 keyboard and mouse would send, pushed into the i8042.
//
// Keyboard: the server hands over set-1 make codes (0xE000 | code for E0 keys, 0xE100 | code for the
// E1 half of Pause). A PS/2 keyboard talks in the set the guest selected, set 2 by default, which the
// controller translates back to set 1 only while the guest's command byte asks for it; so the bytes
// pushed are set 2 (or set 1, if the guest switched the keyboard to it), and translating guests
// (our ring-3 guests, Linux by default) and non-translating ones (Linux with i8042.direct) both read
// what they expect. Set 3 is not offered: keys are dropped while the guest has selected it.
// Mouse: relative motion and buttons as standard 3-byte packets (the mouse identifies as ID 0, so
// packets carry no wheel and the wheel is ignored). The device itself drops input while the guest
// has keyboard scanning or mouse reporting disabled.
// Absolute pointer: the vmmouse backdoor (devices/vmmouse.h), once the guest's driver enabled it; each
// event it queues is announced by an empty PS/2 mouse packet, as QEMU does. While the driver has it
// enabled, relative motion goes through its queue too (the driver reads PS/2 packets only as doorbells).
//
// Threads: any (the event loop for SPICE); a mutex guards the held keys and buttons.
#pragma once

#include "devices/vmmouse.h"
#include "spice-server/input_sink.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace spicebox {

class I8042;

// The set-2 code of a set-1 code (the prefix byte, if any, excluded): the inverse of the 8042's
// translation. 0 for a code no key sends.
uint8_t set1_to_set2(uint8_t code);

// Modifier keys held when a key is pressed or released; PrintScreen's bytes depend on them.
struct HeldModifiers {
    bool shift_or_ctrl { false };
    bool alt { false };
};

// The bytes a PS/2 keyboard in scan code set `set` (1 or 2) sends when the key with set-1 code
// `scancode` (as InputSink takes it) goes down or up. Empty for no key or another set.
std::vector<uint8_t> keyboard_bytes(uint16_t scancode, bool release, uint8_t set, HeldModifiers held = {});

// The standard PS/2 packets for relative motion (x right, y down, as InputSink takes it) with
// `buttons` (mouse_button bits) held: one packet, or several when a coordinate exceeds a packet's
// 9-bit range. Motion beyond `max_packets_per_motion` packets is dropped.
std::vector<uint8_t> mouse_packets(int32_t dx, int32_t dy, uint32_t buttons);
constexpr size_t max_packets_per_motion = 16;

// InputSink's mouse_button bits as the vmmouse packet's button bits.
uint32_t vmmouse_buttons(uint32_t buttons);

class Ps2Input final : public InputSink {
public:
    explicit Ps2Input(std::shared_ptr<I8042> controller);

    void key_down(uint16_t scancode) override;
    void key_up(uint16_t scancode) override;
    void pointer_motion(int32_t dx, int32_t dy, int32_t wheel, uint32_t buttons) override;
    void pointer_position(uint32_t x, uint32_t y, int32_t wheel, uint32_t buttons) override;
    bool absolute_pointer() const override;
    void watch_absolute_pointer(std::function<void()> changed) override;

    // The backdoor the machine's vCPUs call (port vmmouse::port).
    Vmmouse& vmmouse() { return m_vmmouse; }

private:
    void key(uint16_t scancode, bool release);

    std::shared_ptr<I8042> m_controller;
    Vmmouse m_vmmouse;
    std::mutex m_listener_mutex;
    std::function<void()> m_absolute_listener;
    std::mutex m_mutex;
    // Bits per held modifier key (left/right shift, ctrl, alt).
    uint8_t m_modifiers { 0 };
    uint32_t m_buttons { 0 };
    bool m_warned_set { false };
};

} // namespace spicebox
