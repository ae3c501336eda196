#include "vmm/ps2_input.h"

#include "devices/i8042.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

using namespace spicebox;

namespace {

using Bytes = std::vector<uint8_t>;
using Port = I8042::Port;

std::string hex(const Bytes& bytes)
{
    std::string text;
    for (uint8_t byte : bytes) {
        char digits[4];
        std::snprintf(digits, sizeof digits, "%02x ", byte);
        text += digits;
    }
    return text;
}

constexpr uint8_t status_output_full = 0x01;
constexpr uint8_t status_mouse_output = 0x20;
constexpr uint8_t command_byte_translating = 0x47; // after POST: both interrupts, SYS, translation
constexpr uint8_t command_byte_direct = 0x07;      // the same without translation

// A controller as the guest sees it, with the sink the server would drive.
struct Guest {
    std::shared_ptr<I8042> controller = std::make_shared<I8042>(InterruptLine([](bool) { }), InterruptLine([](bool) { }), [] { });
    Ps2Input input { controller };

    uint8_t status() { return controller->read(Port::Command); }
    // What a polling driver reads until the output buffer is empty.
    Bytes read_all()
    {
        Bytes bytes;
        while ((status() & status_output_full) && bytes.size() < 4096)
            bytes.push_back(controller->read(Port::Data));
        return bytes;
    }
    void set_command_byte(uint8_t value)
    {
        controller->write(Port::Command, 0x60);
        controller->write(Port::Data, value);
    }
    Bytes keyboard_command(uint8_t value)
    {
        controller->write(Port::Data, value);
        return read_all();
    }
    Bytes mouse_command(uint8_t value)
    {
        controller->write(Port::Command, 0xD4);
        controller->write(Port::Data, value);
        return read_all();
    }
    Bytes press_and_release(uint16_t scancode)
    {
        input.key_down(scancode);
        auto bytes = read_all();
        input.key_up(scancode);
        auto released = read_all();
        bytes.insert(bytes.end(), released.begin(), released.end());
        return bytes;
    }
};

}

TEST_CASE("ps2 input: set 1 -> set 2 table for ordinary and extended keys")
{
    CHECK(set1_to_set2(0x01) == 0x76); // Esc
    CHECK(set1_to_set2(0x1E) == 0x1C); // A
    CHECK(set1_to_set2(0x1C) == 0x5A); // Enter (E0: keypad Enter)
    CHECK(set1_to_set2(0x2A) == 0x12); // left shift
    CHECK(set1_to_set2(0x39) == 0x29); // space
    CHECK(set1_to_set2(0x3B) == 0x05); // F1
    CHECK(set1_to_set2(0x41) == 0x83); // F7, the one set-2 code of an ordinary key beyond 0x7F
    CHECK(set1_to_set2(0x45) == 0x77); // Num Lock (and Pause's second code)
    CHECK(set1_to_set2(0x4D) == 0x74); // keypad 6 (E0: right arrow)
    CHECK(set1_to_set2(0x53) == 0x71); // keypad . (E0: Delete)
    CHECK(set1_to_set2(0x54) == 0x84); // Alt+SysRq
    CHECK(set1_to_set2(0x58) == 0x07); // F12
    CHECK(set1_to_set2(0x5B) == 0x1F); // (E0: left Windows)
    CHECK(set1_to_set2(0x00) == 0x00);
    CHECK(set1_to_set2(0x9E) == 0x00); // a break code is no make code
}

TEST_CASE("ps2 input: key bytes in set 2 and set 1, including PrintScreen and Pause")
{
    CHECK(keyboard_bytes(0x1E, false, 2) == Bytes { 0x1C });
    CHECK(keyboard_bytes(0x1E, true, 2) == Bytes { 0xF0, 0x1C });
    CHECK(keyboard_bytes(0xE04D, false, 2) == Bytes { 0xE0, 0x74 });
    CHECK(keyboard_bytes(0xE04D, true, 2) == Bytes { 0xE0, 0xF0, 0x74 });
    CHECK(keyboard_bytes(0xE01D, false, 2) == Bytes { 0xE0, 0x14 });
    CHECK(keyboard_bytes(0x41, true, 2) == Bytes { 0xF0, 0x83 });

    // PrintScreen wraps itself in a fake shift, unless shift or ctrl is held; with alt it is SysRq.
    CHECK(keyboard_bytes(0xE037, false, 2) == Bytes { 0xE0, 0x12, 0xE0, 0x7C });
    CHECK(keyboard_bytes(0xE037, true, 2) == Bytes { 0xE0, 0xF0, 0x7C, 0xE0, 0xF0, 0x12 });
    CHECK(keyboard_bytes(0xE037, false, 2, { .shift_or_ctrl = true }) == Bytes { 0xE0, 0x7C });
    CHECK(keyboard_bytes(0xE037, true, 2, { .alt = true }) == Bytes { 0xF0, 0x84 });
    CHECK(keyboard_bytes(0xE037, false, 1) == Bytes { 0xE0, 0x2A, 0xE0, 0x37 });
    CHECK(keyboard_bytes(0xE037, true, 1) == Bytes { 0xE0, 0xB7, 0xE0, 0xAA });

    // Pause as spice-gtk sends it: E1 1D then 45 on press, their breaks on release.
    CHECK(keyboard_bytes(0xE11D, false, 2) == Bytes { 0xE1, 0x14 });
    CHECK(keyboard_bytes(0xE11D, true, 2) == Bytes { 0xE1, 0xF0, 0x14 });
    CHECK(keyboard_bytes(0xE11D, true, 1) == Bytes { 0xE1, 0x9D });

    CHECK(keyboard_bytes(0x1E, false, 1) == Bytes { 0x1E });
    CHECK(keyboard_bytes(0x1E, true, 1) == Bytes { 0x9E });
    CHECK(keyboard_bytes(0xE04D, true, 1) == Bytes { 0xE0, 0xCD });

    // No key, or a set not offered.
    CHECK(keyboard_bytes(0x00, false, 2).empty());
    CHECK(keyboard_bytes(0xE000, false, 2).empty());
    CHECK(keyboard_bytes(0x121E, false, 2).empty());
    CHECK(keyboard_bytes(0x9E, false, 2).empty());
    CHECK(keyboard_bytes(0x1E, false, 3).empty());
}

TEST_CASE("ps2 input: through a translating i8042 the guest reads every key's set-1 make and break codes")
{
    Guest guest;
    for (unsigned prefix : { 0x00u, 0xE0u }) {
        for (unsigned code = 0x01; code < 0x80; ++code) {
            auto scancode = uint16_t(prefix << 8 | code);
            if (scancode == 0xE037)
                continue; // PrintScreen, below
            Bytes expected;
            if (prefix)
                expected.push_back(uint8_t(prefix));
            expected.push_back(uint8_t(code));
            if (prefix)
                expected.push_back(uint8_t(prefix));
            expected.push_back(uint8_t(code | 0x80));
            auto read = guest.press_and_release(scancode);
            INFO("scancode " << hex({ uint8_t(prefix), uint8_t(code) }) << "read " << hex(read));
            CHECK(read == expected);
        }
    }
    CHECK(guest.press_and_release(0xE037) == Bytes { 0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA });

    // Pause: E1 1D 45 on press, E1 9D C5 on release.
    guest.input.key_down(0xE11D);
    guest.input.key_down(0x45);
    CHECK(guest.read_all() == Bytes { 0xE1, 0x1D, 0x45 });
    guest.input.key_up(0xE11D);
    guest.input.key_up(0x45);
    CHECK(guest.read_all() == Bytes { 0xE1, 0x9D, 0xC5 });

    // The sink follows the modifiers: PrintScreen with shift held has no fake shift, with alt it is SysRq.
    guest.input.key_down(0x2A);
    CHECK(guest.press_and_release(0xE037) == Bytes { 0x2A, 0xE0, 0x37, 0xE0, 0xB7 });
    guest.input.key_up(0x2A);
    guest.input.key_down(0xE038);
    CHECK(guest.press_and_release(0xE037) == Bytes { 0xAA, 0xE0, 0x38, 0x54, 0xD4 });
    guest.input.key_up(0xE038);
    CHECK(guest.press_and_release(0xE037) == Bytes { 0xE0, 0xB8, 0xE0, 0x2A, 0xE0, 0x37, 0xE0, 0xB7, 0xE0, 0xAA });
}

TEST_CASE("ps2 input: without translation the guest reads set 2, or set 1 once it selects it")
{
    Guest guest;
    guest.set_command_byte(command_byte_direct);
    CHECK(guest.press_and_release(0x1E) == Bytes { 0x1C, 0xF0, 0x1C });
    CHECK(guest.press_and_release(0xE04D) == Bytes { 0xE0, 0x74, 0xE0, 0xF0, 0x74 });
    CHECK(guest.press_and_release(0x41) == Bytes { 0x83, 0xF0, 0x83 });

    CHECK(guest.keyboard_command(0xF0) == Bytes { 0xFA });
    CHECK(guest.keyboard_command(0x01) == Bytes { 0xFA });
    CHECK(guest.press_and_release(0x1E) == Bytes { 0x1E, 0x9E });
    CHECK(guest.press_and_release(0xE04D) == Bytes { 0xE0, 0x4D, 0xE0, 0xCD });

    // Set 3 is not offered: nothing arrives.
    CHECK(guest.keyboard_command(0xF0) == Bytes { 0xFA });
    CHECK(guest.keyboard_command(0x03) == Bytes { 0xFA });
    CHECK(guest.press_and_release(0x1E).empty());

    // Back to set 2 and translation on: set 1 again.
    CHECK(guest.keyboard_command(0xF0) == Bytes { 0xFA });
    CHECK(guest.keyboard_command(0x02) == Bytes { 0xFA });
    guest.set_command_byte(command_byte_translating);
    CHECK(guest.press_and_release(0x1E) == Bytes { 0x1E, 0x9E });
}

TEST_CASE("ps2 input: keys reach the guest only while the keyboard scans")
{
    Guest guest;
    CHECK(guest.keyboard_command(0xF5) == Bytes { 0xFA });
    CHECK(guest.press_and_release(0x1E).empty());
    CHECK(guest.keyboard_command(0xF4) == Bytes { 0xFA });
    CHECK(guest.press_and_release(0x1E) == Bytes { 0x1E, 0x9E });
}

TEST_CASE("ps2 input: mouse packets with buttons, the y axis inverted, and large motion split")
{
    CHECK(mouse_packets(5, -3, mouse_button::left) == Bytes { 0x09, 0x05, 0x03 });
    CHECK(mouse_packets(-1, 2, mouse_button::right) == Bytes { 0x3A, 0xFF, 0xFE });
    CHECK(mouse_packets(0, 0, mouse_button::middle) == Bytes { 0x0C, 0x00, 0x00 });
    CHECK(mouse_packets(255, -255, 0) == Bytes { 0x08, 0xFF, 0xFF });
    CHECK(mouse_packets(600, 0, 0) == Bytes { 0x08, 0xFF, 0x00, 0x08, 0xFF, 0x00, 0x08, 0x5A, 0x00 });
    CHECK(mouse_packets(-600, 300, 0) == Bytes { 0x38, 0x01, 0x01, 0x38, 0x01, 0xD3, 0x18, 0xA6, 0x00 });

    // Whatever the motion, the packets add up to it (up to the cap) and never set the overflow bits.
    auto sum = [](const Bytes& packets, int64_t& x, int64_t& y) {
        x = y = 0;
        for (size_t i = 0; i + 2 < packets.size(); i += 3) {
            CHECK((packets[i] & 0xC8) == 0x08);
            x += int64_t(packets[i + 1]) - ((packets[i] & 0x10) ? 256 : 0);
            y += int64_t(packets[i + 2]) - ((packets[i] & 0x20) ? 256 : 0);
        }
    };
    int64_t x, y;
    auto moved = mouse_packets(1000, -777, 0);
    sum(moved, x, y);
    CHECK(x == 1000);
    CHECK(y == 777);
    auto huge = mouse_packets(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::min(), 0);
    CHECK(huge.size() == max_packets_per_motion * 3);
    sum(huge, x, y);
    CHECK(x == -255 * int64_t(max_packets_per_motion));
    CHECK(y == 255 * int64_t(max_packets_per_motion));
}

TEST_CASE("ps2 input: the mouse reports through the i8042 only while enabled, and packets stay whole")
{
    Guest guest;
    guest.input.pointer_motion(10, 5, 0, 0);
    CHECK(guest.read_all().empty());
    CHECK(guest.mouse_command(0xF4) == Bytes { 0xFA });

    guest.input.pointer_motion(10, 5, 0, mouse_button::left);
    CHECK((guest.status() & status_mouse_output) != 0);
    CHECK(guest.read_all() == Bytes { 0x29, 0x0A, 0xFB });
    // A button change alone is a packet; no change, or only the wheel (a standard mouse has none), is none.
    guest.input.pointer_motion(0, 0, 0, 0);
    CHECK(guest.read_all() == Bytes { 0x08, 0x00, 0x00 });
    guest.input.pointer_motion(0, 0, 0, 0);
    guest.input.pointer_motion(0, 0, 1, 0x10);
    CHECK(guest.read_all().empty());

    // A guest that does not read: the device buffer fills with whole packets only.
    for (int i = 0; i < 100; ++i)
        guest.input.pointer_motion(1, 0, 0, 0);
    auto stream = guest.read_all();
    CHECK(stream.size() == I8042::device_buffer_size / 3 * 3);
    for (size_t i = 0; i < stream.size(); i += 3)
        CHECK(stream[i] == 0x08);

    CHECK(guest.mouse_command(0xF5) == Bytes { 0xFA });
    guest.input.pointer_motion(3, 3, 0, 0);
    CHECK(guest.read_all().empty());
}

TEST_CASE("ps2 input: once the guest enables the vmmouse, positions and motion go through its queue, each rung in by a PS/2 packet")
{
    Guest guest;
    int changes = 0;
    guest.input.watch_absolute_pointer([&] { ++changes; });
    CHECK(guest.mouse_command(0xF4) == Bytes { 0xFA });
    auto call = [&](uint16_t command, uint32_t argument) {
        BackdoorRegisters regs { .eax = vmmouse::magic, .ebx = argument, .ecx = command, .edx = vmmouse::port };
        guest.input.vmmouse().backdoor(regs);
        return regs;
    };
    guest.input.pointer_position(100, 200, 0, mouse_button::left);
    CHECK(guest.read_all().empty());
    CHECK_FALSE(guest.input.absolute_pointer());

    call(vmmouse::cmd_abspointer_command, vmmouse::enable);
    CHECK(call(vmmouse::cmd_abspointer_data, 1).eax == vmmouse::version_id);
    call(vmmouse::cmd_abspointer_command, vmmouse::request_absolute);
    CHECK(guest.input.absolute_pointer());
    CHECK(changes == 1);

    guest.input.pointer_position(100, 200, 0, mouse_button::left | mouse_button::right);
    CHECK(guest.read_all() == Bytes { 0x08, 0x00, 0x00 });
    auto position = call(vmmouse::cmd_abspointer_data, 4);
    CHECK(position.eax == (vmmouse::left_button | vmmouse::right_button));
    CHECK(position.ebx == 100);
    CHECK(position.ecx == 200);

    guest.input.pointer_motion(-5, 7, 0, mouse_button::middle);
    CHECK(guest.read_all() == Bytes { 0x08, 0x00, 0x00 });
    auto motion = call(vmmouse::cmd_abspointer_data, 4);
    CHECK(motion.eax == (vmmouse::relative_packet | vmmouse::middle_button));
    CHECK(int32_t(motion.ebx) == -5);
    CHECK(int32_t(motion.ecx) == -7);

    call(vmmouse::cmd_abspointer_command, vmmouse::disable);
    CHECK_FALSE(guest.input.absolute_pointer());
    CHECK(changes == 2);
    // Plain PS/2 again.
    guest.input.pointer_motion(10, 5, 0, mouse_button::left);
    CHECK(guest.read_all() == Bytes { 0x29, 0x0A, 0xFB });
}
