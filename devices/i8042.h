// The PC keyboard controller (8042) with a PS/2 keyboard on its first port and a PS/2 mouse on
// the second. The guest sees two ports: data at 0x60 and status/command at 0x64; the machine maps
// one `I8042::PortDevice` facade at each (`data_port()`, `command_port()`), both driving the same
// controller, which must therefore be owned by a shared_ptr.
//
// Model: the controller has a one-byte output buffer loaded, whenever it is empty, from (in this
// order) its own replies, the keyboard (unless its interface is disabled), the mouse (likewise).
// Keyboard bytes are translated from scan code set 2 to set 1 on their way in when the command
// byte asks for it, as real controllers do. IRQ1 follows "output buffer holds a keyboard-side byte
// and the command byte enables its interrupt", IRQ12 the same for mouse bytes: the line rises when
// a byte is loaded and falls when the guest reads it (so every byte is an edge).
// Input is processed at once, so IBF never reads as set. Not modelled: A20 gating (the output port
// bit is stored only), the input port, password and wrap modes, typematic repeat.
//
// Threads: ports are accessed from vCPU threads and input pushed from the event loop; one mutex
// guards the state. Interrupt lines are set while it is held (they must not call back into the
// controller); the reset callback runs after it is released.
#pragma once

#include "devices/io_device.h"
#include "vmm/interrupt_line.h"

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>

namespace spicebox {

class I8042 : public std::enable_shared_from_this<I8042> {
public:
    enum class Port { Data, Command }; // 0x60 and 0x64

    // What the machine maps at 0x60 and at 0x64 (size 1 each).
    class PortDevice final : public IoDevice {
    public:
        PortDevice(std::shared_ptr<I8042> controller, Port port) : m_controller(std::move(controller)), m_port(port) { }
        void io_read(uint64_t offset, std::span<uint8_t> data) override;
        void io_write(uint64_t offset, std::span<const uint8_t> data) override;
        std::string_view io_name() const override { return m_port == Port::Data ? "i8042 data" : "i8042 command"; }

    private:
        std::shared_ptr<I8042> m_controller;
        Port m_port;
    };

    // `reset` is called when the guest pulses the CPU reset line (command 0xFE, any pulse command
    // with bit 0 clear, or an output-port write with bit 0 clear).
    I8042(InterruptLine keyboard_interrupt, InterruptLine mouse_interrupt, std::function<void()> reset);

    // The facades to map at 0x60 and 0x64 (size 1 each); they keep the controller alive.
    std::shared_ptr<IoDevice> data_port() { return std::make_shared<PortDevice>(shared_from_this(), Port::Data); }
    std::shared_ptr<IoDevice> command_port() { return std::make_shared<PortDevice>(shared_from_this(), Port::Command); }

    uint8_t read(Port);
    void write(Port, uint8_t value);

    // Host input, as the devices would send it: keyboard bytes in the keyboard's current scan code
    // set (see `keyboard_scancode_set()`), mouse bytes as 3-byte standard PS/2 packets. Dropped
    // while the device is told not to report (keyboard scanning or mouse streaming disabled), as a
    // real device would never send them, and whole when the device's buffer cannot take them all.
    void push_keyboard_bytes(std::span<const uint8_t> bytes);
    void push_mouse_bytes(std::span<const uint8_t> bytes);

    uint8_t keyboard_scancode_set() const;

    // Each device buffers at most this many bytes the controller has not taken yet.
    static constexpr size_t device_buffer_size = 256;

private:
    struct Reply {
        uint8_t byte;
        bool mouse;
    };

    uint8_t read_data();
    uint8_t read_status() const;
    bool write_command(uint8_t command);
    bool write_data(uint8_t value);
    void keyboard_command(uint8_t value);
    void mouse_command(uint8_t value);
    void keyboard_defaults();
    void mouse_defaults();
    void reply(uint8_t byte, bool mouse = false);
    void queue(std::deque<uint8_t>& device, std::initializer_list<uint8_t> bytes);
    void push(std::deque<uint8_t>& device, std::span<const uint8_t> bytes);
    void fill_output_buffer();
    void update_interrupts();
    uint8_t& command_byte() { return m_ram[0]; }

    mutable std::mutex m_mutex;
    InterruptLine m_keyboard_interrupt;
    InterruptLine m_mouse_interrupt;
    std::function<void()> m_reset;

    // Controller: 32 bytes of internal RAM (byte 0 is the command byte), the output buffer, the
    // command waiting for its data byte, the output port.
    std::array<uint8_t, 32> m_ram {};
    bool m_output_full { false };
    bool m_output_from_mouse { false };
    uint8_t m_output { 0 };
    bool m_last_write_was_command { false };
    uint8_t m_pending_command { 0 };
    uint8_t m_output_port;
    bool m_translated_break { false };
    std::deque<Reply> m_replies;
    bool m_keyboard_level { false };
    bool m_mouse_level { false };

    // Keyboard.
    std::deque<uint8_t> m_keyboard_bytes;
    uint8_t m_keyboard_pending { 0 };
    bool m_keyboard_scanning { true };
    uint8_t m_scancode_set { 2 };

    // Mouse.
    std::deque<uint8_t> m_mouse_bytes;
    uint8_t m_mouse_pending { 0 };
    bool m_mouse_reporting { false };
    bool m_mouse_remote { false };
    bool m_mouse_scaling_2to1 { false };
    uint8_t m_mouse_resolution { 2 };
    uint8_t m_mouse_sample_rate { 100 };
};

} // namespace spicebox
