// What the server gives the guest's input devices (DESIGN.md's InputSink). Keys are PC scancodes as a
// SPICE client sends them: scan code set 1 make codes, with 0xE0-prefixed keys as 0xE000 | code (and Pause as
// 0xE11D then 0x45); a key up is the same code (the implementation adds the break form its device needs).
#pragma once

#include <cstdint>
#include <functional>

namespace spicebox {

// Bits of a button state, as SPICE's SpiceMouseButtonMask.
namespace mouse_button {
constexpr uint32_t left = 1 << 0;
constexpr uint32_t middle = 1 << 1;
constexpr uint32_t right = 1 << 2;
}

// Absolute positions run from 0 to this over the guest's screen, on both axes.
constexpr uint32_t absolute_pointer_max = 0xFFFF;

class InputSink {
public:
    virtual ~InputSink() = default;

    virtual void key_down(uint16_t scancode) = 0;
    virtual void key_up(uint16_t scancode) = 0;
    // Relative motion (x right, y down) with the buttons held after it; `wheel` is +1 per notch down,
    // -1 per notch up.
    virtual void pointer_motion(int32_t dx, int32_t dy, int32_t wheel, uint32_t buttons) = 0;
    // An absolute position (0..absolute_pointer_max, x right, y down) with the buttons held, for client
    // mouse mode; dropped while absolute_pointer() is false.
    virtual void pointer_position(uint32_t x, uint32_t y, int32_t wheel, uint32_t buttons) = 0;
    // Whether the guest's driver has an absolute pointing device in use now.
    virtual bool absolute_pointer() const = 0;
    // `changed` is called, from any thread, whenever absolute_pointer() changes; it replaces the previous
    // listener, and once this returns the previous one is no longer running or called. Empty: none.
    virtual void watch_absolute_pointer(std::function<void()> changed) = 0;
};

} // namespace spicebox
