// The vmmouse absolute pointer as a ring-3 driver uses it (the protocol of Linux's psmouse vmmouse
// driver): detect the VMware backdoor, enable the device, read its version id back, ask for absolute
// mode. The host then announces each queued event with a PS/2 mouse packet, which the driver takes as a
// doorbell only: the events themselves (absolute positions, or relative motion) are read from the
// backdoor's queue.
#pragma once

#include <stdint.h>

namespace spicebox::guest::vmmouse {

constexpr int32_t max_coordinate = 0xFFFF;

// One event from the queue: a position (0..max_coordinate on both axes) or relative motion (y down), the
// buttons as PS/2 bits (ps2::button_left...) and the wheel (+1 per notch down).
struct Event {
    bool relative;
    int32_t x;
    int32_t y;
    int32_t wheel;
    uint8_t buttons;
};

class Mouse {
public:
    using EventHandler = void (*)(const Event&);

    // False when the backdoor does not answer or the device does not enable.
    bool init();
    bool active() const { return m_active; }
    // Reads every queued event into `on_event`. A device that reports an error is dropped (active()
    // turns false) and the PS/2 packets are plain motion again.
    void drain(EventHandler on_event);

private:
    bool m_active { false };
};

}
