// The VMware backdoor's absolute pointer ("vmmouse"), as QEMU's pc machines offer it and Linux's psmouse
// (CONFIG_MOUSE_PS2_VMMOUSE) and Xorg's vmmouse driver use it. The guest calls it with a 32-bit `in` from
// port 0x5658 with EAX = magic, ECX = command, EBX = argument; results come back in EAX..EDI. Once the
// guest has enabled it, each host pointer event queues four words (buttons and flags, x, y, wheel) and
// the PS/2 mouse sends a packet of its own, whose IRQ12 tells the driver to read the queue (the driver
// takes every PS/2 packet as that signal, so while enabled relative motion comes through the queue too,
// as relative packets). Positions (x and y in 0..0xFFFF over the screen) are queued only in absolute mode.
//
// Threads: the backdoor runs on vCPU threads, events come from the event loop; a mutex guards the
// state, and the PS/2 notification is made after it is released.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

namespace spicebox {

namespace vmmouse {
constexpr uint16_t port = 0x5658;
constexpr uint32_t magic = 0x564D5868;
constexpr uint32_t backdoor_version = 6; // what GETVERSION reports in EAX

// Backdoor commands (ECX).
constexpr uint16_t cmd_get_version = 10;
constexpr uint16_t cmd_abspointer_data = 39;
constexpr uint16_t cmd_abspointer_status = 40;
constexpr uint16_t cmd_abspointer_command = 41;
constexpr uint16_t cmd_abspointer_restrict = 86;

// ABSPOINTER_COMMAND arguments (EBX).
constexpr uint32_t enable = 0x45414552;
constexpr uint32_t disable = 0x000000f5;
constexpr uint32_t request_relative = 0x4c455252;
constexpr uint32_t request_absolute = 0x53424152;

// The first queued word after ENABLE; STATUS's error value; bits of a packet's first word.
constexpr uint32_t version_id = 0x3442554a;
constexpr uint32_t status_error = 0xffff0000;
constexpr uint32_t relative_packet = 0x00010000;
constexpr uint32_t left_button = 0x20;
constexpr uint32_t right_button = 0x10;
constexpr uint32_t middle_button = 0x08;

constexpr uint32_t max_coordinate = 0xFFFF;
// Words queued at most (QEMU's size); events that do not fit are dropped.
constexpr size_t queue_words = 1024;
constexpr size_t packet_words = 4;
constexpr size_t max_data_words = 6; // EAX, EBX, ECX, EDX, ESI, EDI
}

// The registers a backdoor call reads and writes.
struct BackdoorRegisters {
    uint32_t eax { 0 };
    uint32_t ebx { 0 };
    uint32_t ecx { 0 };
    uint32_t edx { 0 };
    uint32_t esi { 0 };
    uint32_t edi { 0 };
};

class Vmmouse {
public:
    // `notify_guest` makes the PS/2 mouse send a packet (so IRQ12 fires); `mode_changed` is told when
    // absolute mode goes on or off. Both are called without the device's lock held, from the thread of
    // the event or of the backdoor call.
    Vmmouse(std::function<void()> notify_guest, std::function<void(bool absolute)> mode_changed);

    // One `in` from the backdoor port: the registers as the guest left them, updated with the results.
    void backdoor(BackdoorRegisters&);

    // True while the guest has the device enabled in absolute mode: only then are positions queued.
    bool absolute() const;
    // True while the guest has the device enabled (absolute or relative mode).
    bool enabled() const;
    // Host pointer events, `wheel` +1 per notch down, `buttons` as the packet's button bits (left_button...).
    // A position, x and y in 0..max_coordinate (clamped): queued only while absolute(). Relative motion (x
    // right, y down): queued while enabled(). False when not queued (or dropped because the queue is full).
    bool position(uint32_t x, uint32_t y, int32_t wheel, uint32_t buttons);
    bool motion(int32_t dx, int32_t dy, int32_t wheel, uint32_t buttons);

private:
    void command(uint32_t argument);
    void read_data(BackdoorRegisters&);
    bool queue_packet(bool relative, uint32_t flags, uint32_t x, uint32_t y, int32_t wheel);
    bool absolute_locked() const { return m_enabled && m_absolute; }

    std::function<void()> m_notify_guest;
    std::function<void(bool)> m_mode_changed;
    mutable std::mutex m_mutex;
    bool m_enabled { false };
    bool m_absolute { false };
    std::vector<uint32_t> m_queue;
};

} // namespace spicebox
