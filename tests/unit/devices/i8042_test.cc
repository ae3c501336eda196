#include "devices/i8042.h"

#include <doctest/doctest.h>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

using namespace spicebox;

namespace doctest {
template<>
struct StringMaker<std::vector<uint8_t>> {
    static String convert(const std::vector<uint8_t>& bytes)
    {
        std::string text = "{";
        for (uint8_t byte : bytes) {
            char hex[6];
            std::snprintf(hex, sizeof(hex), " %02x", byte);
            text += hex;
        }
        return String((text + " }").c_str());
    }
};
}

namespace {

using Port = I8042::Port;
using Bytes = std::vector<uint8_t>;

constexpr uint8_t status_obf = 0x01, status_sys = 0x04, status_a2 = 0x08, status_auxb = 0x20;

struct Fixture {
    std::vector<bool> irq1;
    std::vector<bool> irq12;
    int resets = 0;
    std::shared_ptr<I8042> kbc = std::make_shared<I8042>(
        InterruptLine([this](bool level) { irq1.push_back(level); }),
        InterruptLine([this](bool level) { irq12.push_back(level); }),
        [this] { ++resets; });

    uint8_t status() { return kbc->read(Port::Command); }
    void command(uint8_t value) { kbc->write(Port::Command, value); }
    void data(uint8_t value) { kbc->write(Port::Data, value); }
    uint8_t read_data() { return kbc->read(Port::Data); }

    // Reads the output buffer until it is empty, as a polling driver does.
    Bytes drain(size_t limit = 64)
    {
        Bytes bytes;
        while ((status() & status_obf) && bytes.size() < limit)
            bytes.push_back(read_data());
        return bytes;
    }
    void set_command_byte(uint8_t value)
    {
        command(0x60);
        data(value);
    }
    // Device commands, each answered before the next is sent (as Linux's ps2 layer waits for
    // the ACK): a device drops unsent bytes when it receives a command.
    Bytes keyboard(uint8_t value)
    {
        data(value);
        return drain();
    }
    Bytes mouse(uint8_t value)
    {
        command(0xD4);
        data(value);
        return drain();
    }
};

}

TEST_CASE("I8042 controller self test and interface tests")
{
    Fixture f;
    CHECK(f.status() == (0x10 | status_sys));
    f.command(0xAA);
    CHECK((f.status() & (status_obf | status_a2 | status_auxb)) == (status_obf | status_a2));
    CHECK(f.read_data() == 0x55);
    CHECK((f.status() & status_obf) == 0);
    f.command(0xAB);
    CHECK(f.drain() == Bytes { 0x00 });
    f.command(0xA9);
    CHECK(f.drain() == Bytes { 0x00 });
    // An empty buffer reads as its last byte.
    CHECK(f.read_data() == 0x00);

    // Replies nobody reads are bounded.
    for (int i = 0; i < 1000; ++i)
        f.command(0xAA);
    CHECK(f.drain(2000).size() == I8042::device_buffer_size + 1);
}

TEST_CASE("I8042 command byte: read, write, SYS flag, port enable bits, internal RAM")
{
    Fixture f;
    f.command(0x20);
    CHECK(f.drain() == Bytes { 0x47 });

    f.set_command_byte(0x00);
    CHECK((f.status() & (status_sys | status_a2)) == 0);
    f.command(0xAD);
    f.command(0xA7);
    f.command(0x20);
    CHECK(f.drain() == Bytes { 0x30 });
    f.command(0xAE);
    f.command(0x20);
    CHECK(f.drain() == Bytes { 0x20 });
    f.command(0xA8);
    f.command(0x20);
    CHECK(f.drain() == Bytes { 0x00 });

    f.command(0x7F);
    f.data(0x5A);
    f.command(0x3F);
    CHECK(f.drain() == Bytes { 0x5A });

    // A command abandons one still waiting for its data byte: the data then goes to the keyboard.
    f.command(0x60);
    f.command(0xAE);
    f.data(0xF2);
    CHECK(f.drain() == Bytes { 0xFA, 0xAB, 0x83 });
    f.command(0x20);
    CHECK(f.drain() == Bytes { 0x00 });
}

TEST_CASE("I8042 reset: 0xFE, pulse commands with bit 0 clear, output port bit 0")
{
    Fixture f;
    f.command(0xFF); // pulses nothing
    f.command(0xFD); // pulses bit 1 only
    CHECK(f.resets == 0);
    f.command(0xFE);
    CHECK(f.resets == 1);
    f.command(0xF0);
    CHECK(f.resets == 2);

    f.command(0xD0);
    CHECK(f.drain() == Bytes { 0x03 });
    f.command(0xD1);
    f.data(0x03);
    CHECK(f.resets == 2);
    f.command(0xD1);
    f.data(0x02);
    CHECK(f.resets == 3);
}

TEST_CASE("I8042 keyboard device answers (untranslated)")
{
    Fixture f;
    f.set_command_byte(0x07);
    CHECK(f.keyboard(0xFF) == Bytes { 0xFA, 0xAA });
    CHECK(f.keyboard(0xF2) == Bytes { 0xFA, 0xAB, 0x83 });
    CHECK(f.keyboard(0xED) == Bytes { 0xFA });
    CHECK(f.keyboard(0x07) == Bytes { 0xFA });
    CHECK(f.keyboard(0xF3) == Bytes { 0xFA });
    CHECK(f.keyboard(0x20) == Bytes { 0xFA });
    CHECK(f.keyboard(0xEE) == Bytes { 0xEE });

    CHECK(f.keyboard(0xF0) == Bytes { 0xFA });
    CHECK(f.keyboard(0x00) == Bytes { 0xFA, 0x02 });
    CHECK(f.keyboard(0xF0) == Bytes { 0xFA });
    CHECK(f.keyboard(0x03) == Bytes { 0xFA });
    CHECK(f.kbc->keyboard_scancode_set() == 3);
    CHECK(f.keyboard(0xF0) == Bytes { 0xFA });
    CHECK(f.keyboard(0x09) == Bytes { 0xFE });
    CHECK(f.kbc->keyboard_scancode_set() == 3);

    // Scanning off (which also restores the defaults): host keys are not sent; on again: they are.
    CHECK(f.keyboard(0xF5) == Bytes { 0xFA });
    CHECK(f.kbc->keyboard_scancode_set() == 2);
    const uint8_t key[] = { 0x1C };
    f.kbc->push_keyboard_bytes(key);
    CHECK(f.drain().empty());
    CHECK(f.keyboard(0xF4) == Bytes { 0xFA });
    f.kbc->push_keyboard_bytes(key);
    CHECK(f.drain() == Bytes { 0x1C });
    CHECK(f.keyboard(0x01) == Bytes { 0xFE });

    // Keys still waiting in the keyboard are dropped when a command arrives.
    const uint8_t keys[] = { 0x1C, 0x1B, 0x23 };
    f.kbc->push_keyboard_bytes(keys);
    CHECK(f.keyboard(0xEE) == Bytes { 0x1C, 0xEE });
}

TEST_CASE("I8042 translation: set 2 codes reach the guest as set 1, break prefix folded into bit 7")
{
    Fixture f;
    CHECK(f.keyboard(0xF2) == Bytes { 0xFA, 0xAB, 0x41 });
    CHECK(f.keyboard(0xF0) == Bytes { 0xFA });
    CHECK(f.keyboard(0x00) == Bytes { 0xFA, 0x41 }); // set 2, translated

    // 'A' press and release, extended Up press and release, F7 release.
    const uint8_t keys[] = { 0x1C, 0xF0, 0x1C, 0xE0, 0x75, 0xE0, 0xF0, 0x75, 0xF0, 0x83 };
    f.kbc->push_keyboard_bytes(keys);
    CHECK(f.drain() == Bytes { 0x1E, 0x9E, 0xE0, 0x48, 0xE0, 0xC8, 0xC1 });
}

TEST_CASE("I8042 interrupts: IRQ1 per keyboard byte as an edge, masked by the command byte; IRQ12 for mouse bytes")
{
    Fixture f;
    const uint8_t keys[] = { 0x1C, 0x32 };
    f.kbc->push_keyboard_bytes(keys);
    CHECK(f.irq1 == std::vector<bool> { true });
    CHECK((f.status() & status_obf) == status_obf);
    CHECK(f.read_data() == 0x1E);
    CHECK(f.irq1 == std::vector<bool> { true, false, true });
    CHECK(f.read_data() == 0x30);
    CHECK(f.irq1 == std::vector<bool> { true, false, true, false });

    // Keyboard interrupt disabled: the byte waits in the buffer without IRQ1.
    f.set_command_byte(0x46);
    f.kbc->push_keyboard_bytes(keys);
    CHECK(f.irq1.size() == 4);
    CHECK((f.status() & status_obf) == status_obf);
    f.set_command_byte(0x47); // enabling it with a byte waiting raises the line
    CHECK(f.irq1.back() == true);
    CHECK(f.drain() == Bytes { 0x1E, 0x30 });
    CHECK(f.irq1.back() == false);

    // Keyboard interface disabled: bytes stay in the keyboard until it is enabled again.
    f.command(0xAD);
    f.kbc->push_keyboard_bytes(keys);
    CHECK((f.status() & status_obf) == 0);
    f.command(0xAE);
    CHECK(f.drain() == Bytes { 0x1E, 0x30 });

    // The AUX loop test Linux runs: the byte comes back marked as mouse data, on IRQ12.
    CHECK(f.irq12.empty());
    f.command(0xD3);
    f.data(0x5A);
    CHECK((f.status() & (status_obf | status_auxb)) == (status_obf | status_auxb));
    CHECK(f.irq12 == std::vector<bool> { true });
    CHECK(f.read_data() == 0x5A);
    CHECK(f.irq12 == std::vector<bool> { true, false });
}

TEST_CASE("I8042 mouse answers the psmouse probe and streams only when enabled")
{
    Fixture f;
    CHECK(f.mouse(0xFF) == Bytes { 0xFA, 0xAA, 0x00 });
    CHECK(f.mouse(0xF2) == Bytes { 0xFA, 0x00 });
    CHECK(f.mouse(0xF3) == Bytes { 0xFA });
    CHECK(f.mouse(200) == Bytes { 0xFA });
    CHECK(f.mouse(0xE8) == Bytes { 0xFA });
    CHECK(f.mouse(0x03) == Bytes { 0xFA });
    CHECK(f.mouse(0xE7) == Bytes { 0xFA });
    CHECK(f.mouse(0xE9) == Bytes { 0xFA, 0x10, 0x03, 200 });
    CHECK(f.mouse(0xF6) == Bytes { 0xFA });
    CHECK(f.mouse(0xE9) == Bytes { 0xFA, 0x00, 0x02, 100 });
    CHECK(f.mouse(0xF0) == Bytes { 0xFA });
    CHECK(f.mouse(0xEB) == Bytes { 0xFA, 0x08, 0x00, 0x00 });
    CHECK(f.mouse(0xE9) == Bytes { 0xFA, 0x40, 0x02, 100 });
    CHECK(f.mouse(0xEA) == Bytes { 0xFA });
    CHECK(f.mouse(0xE1) == Bytes { 0xFE });

    const uint8_t packet[] = { 0x09, 0x05, 0xFD };
    f.kbc->push_mouse_bytes(packet);
    CHECK(f.drain().empty());
    CHECK(f.mouse(0xF4) == Bytes { 0xFA });
    f.kbc->push_mouse_bytes(packet);
    CHECK(f.status() == (0x10 | status_sys | status_obf | status_auxb));
    CHECK(f.drain() == Bytes { 0x09, 0x05, 0xFD });
    CHECK(f.mouse(0xE9) == Bytes { 0xFA, 0x20, 0x02, 100 });

    // Mouse interface disabled: nothing reaches the buffer.
    f.command(0xA7);
    f.kbc->push_mouse_bytes(packet);
    CHECK((f.status() & status_obf) == 0);
    f.command(0xA8);
    CHECK(f.drain() == Bytes { 0x09, 0x05, 0xFD });
    CHECK(f.irq1.empty());
}

TEST_CASE("I8042 port facades route 0x60 and 0x64 to one controller")
{
    Fixture f;
    auto data = f.kbc->data_port();
    auto command = f.kbc->command_port();
    const uint8_t self_test[1] = { 0xAA };
    command->io_write(0, self_test);
    uint8_t byte[1];
    command->io_read(0, byte);
    CHECK((byte[0] & status_obf) == status_obf);
    data->io_read(0, byte);
    CHECK(byte[0] == 0x55);
    CHECK(data->io_name() == "i8042 data");
}
