#include "devices/i8042.h"

#include "base/log.h"

namespace spicebox {

namespace {

namespace status {
constexpr uint8_t output_full = 0x01;
constexpr uint8_t system_flag = 0x04;
constexpr uint8_t last_was_command = 0x08; // A2: the last write went to 0x64
constexpr uint8_t not_inhibited = 0x10;    // keylock switch open
constexpr uint8_t mouse_output = 0x20;     // AUXB: the output buffer holds a mouse byte
}

namespace command_bits {
constexpr uint8_t keyboard_interrupt = 0x01;
constexpr uint8_t mouse_interrupt = 0x02;
constexpr uint8_t system_flag = 0x04;
constexpr uint8_t keyboard_disabled = 0x10;
constexpr uint8_t mouse_disabled = 0x20;
constexpr uint8_t translate = 0x40;
// What a BIOS leaves after POST: both interrupts on, POST passed, translation on.
constexpr uint8_t after_post = keyboard_interrupt | mouse_interrupt | system_flag | translate;
}

enum class Command : uint8_t {
    ReadRamFirst = 0x20, // 0x20..0x3F read RAM byte (0x20: the command byte)
    ReadRamLast = 0x3F,
    WriteRamFirst = 0x60, // 0x60..0x7F write RAM byte with the next data byte
    WriteRamLast = 0x7F,
    DisableMouse = 0xA7,
    EnableMouse = 0xA8,
    TestMousePort = 0xA9,
    SelfTest = 0xAA,
    TestKeyboardPort = 0xAB,
    DisableKeyboard = 0xAD,
    EnableKeyboard = 0xAE,
    ReadOutputPort = 0xD0,
    WriteOutputPort = 0xD1,
    WriteKeyboardOutput = 0xD2,
    WriteMouseOutput = 0xD3,
    WriteToMouse = 0xD4,
    PulseFirst = 0xF0, // 0xF0..0xFF pulse the output-port bits whose command bit is 0
};

constexpr uint8_t self_test_passed = 0x55;
constexpr uint8_t port_test_passed = 0x00;

namespace output_port {
constexpr uint8_t reset_inactive = 0x01; // 0 holds the CPU in reset
constexpr uint8_t a20 = 0x02;
constexpr uint8_t keyboard_full = 0x10;
constexpr uint8_t mouse_full = 0x20;
}

// Bytes PS/2 devices send.
constexpr uint8_t ack = 0xFA;
constexpr uint8_t resend = 0xFE;
constexpr uint8_t self_test_ok = 0xAA;
constexpr uint8_t break_prefix = 0xF0; // set 2: the next code is a key release
constexpr uint8_t set1_release = 0x80; // set 1: a released key's code has bit 7 set

enum class KeyboardCommand : uint8_t {
    SetLeds = 0xED,
    Echo = 0xEE,
    ScancodeSet = 0xF0,
    Identify = 0xF2,
    SetTypematic = 0xF3,
    EnableScanning = 0xF4,
    DisableScanning = 0xF5,
    SetDefaults = 0xF6,
    Reset = 0xFF,
};
constexpr uint8_t keyboard_id[] = { 0xAB, 0x83 }; // MF2 keyboard

enum class MouseCommand : uint8_t {
    SetScaling1to1 = 0xE6,
    SetScaling2to1 = 0xE7,
    SetResolution = 0xE8,
    StatusRequest = 0xE9,
    SetStreamMode = 0xEA,
    ReadData = 0xEB,
    SetRemoteMode = 0xF0,
    GetId = 0xF2,
    SetSampleRate = 0xF3,
    EnableReporting = 0xF4,
    DisableReporting = 0xF5,
    SetDefaults = 0xF6,
    Reset = 0xFF,
};
constexpr uint8_t mouse_id = 0x00; // standard PS/2 mouse, no wheel
constexpr uint8_t mouse_packet_always_one = 0x08;
constexpr uint8_t mouse_resolution_mask = 0x03; // 1, 2, 4 or 8 counts per mm

namespace mouse_status { // first byte of the answer to StatusRequest
constexpr uint8_t remote_mode = 0x40;
constexpr uint8_t reporting = 0x20;
constexpr uint8_t scaling_2to1 = 0x10;
}

// The 8042's set 2 -> set 1 translation for codes below 0x80 (values as documented for the IBM
// AT controller, e.g. in Andries Brouwer's "Keyboard scancodes", section "Translation"). Codes
// from 0x80 pass unchanged except the two keys whose set-2 codes lie there.
constexpr uint8_t translation_table[128] = {
    // 0x00..0x0F
    0xFF, 0x43, 0x41, 0x3F, 0x3D, 0x3B, 0x3C, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3E, 0x0F, 0x29, 0x59,
    // 0x10..0x1F
    0x65, 0x38, 0x2A, 0x70, 0x1D, 0x10, 0x02, 0x5A, 0x66, 0x71, 0x2C, 0x1F, 0x1E, 0x11, 0x03, 0x5B,
    // 0x20..0x2F
    0x67, 0x2E, 0x2D, 0x20, 0x12, 0x05, 0x04, 0x5C, 0x68, 0x39, 0x2F, 0x21, 0x14, 0x13, 0x06, 0x5D,
    // 0x30..0x3F
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5E, 0x6A, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5F,
    // 0x40..0x4F
    0x6B, 0x33, 0x25, 0x17, 0x18, 0x0B, 0x0A, 0x60, 0x6C, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0C, 0x61,
    // 0x50..0x5F
    0x6D, 0x73, 0x28, 0x74, 0x1A, 0x0D, 0x62, 0x6E, 0x3A, 0x36, 0x1C, 0x1B, 0x75, 0x2B, 0x63, 0x76,
    // 0x60..0x6F
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7A, 0x0E, 0x7B, 0x7C, 0x4F, 0x7D, 0x4B, 0x47, 0x7E, 0x7F, 0x6F,
    // 0x70..0x7F
    0x52, 0x53, 0x50, 0x4C, 0x4D, 0x48, 0x01, 0x45, 0x57, 0x4E, 0x51, 0x4A, 0x37, 0x49, 0x46, 0x54,
};
constexpr uint8_t set2_f7 = 0x83, set1_f7 = 0x41;
constexpr uint8_t set2_alt_sysrq = 0x84, set1_alt_sysrq = 0x54;

uint8_t translate_to_set1(uint8_t code)
{
    if (code < 0x80)
        return translation_table[code];
    if (code == set2_f7)
        return set1_f7;
    if (code == set2_alt_sysrq)
        return set1_alt_sysrq;
    return code;
}

bool in_range(uint8_t value, Command first, Command last)
{
    return value >= uint8_t(first) && value <= uint8_t(last);
}

} // namespace

void I8042::PortDevice::io_read(uint64_t offset, std::span<uint8_t> data)
{
    set_io_value(data, 0xFF);
    if (offset == 0 && !data.empty())
        data[0] = m_controller->read(m_port);
}

void I8042::PortDevice::io_write(uint64_t offset, std::span<const uint8_t> data)
{
    if (offset == 0 && !data.empty())
        m_controller->write(m_port, data[0]);
}

I8042::I8042(InterruptLine keyboard_interrupt, InterruptLine mouse_interrupt, std::function<void()> reset)
    : m_keyboard_interrupt(std::move(keyboard_interrupt))
    , m_mouse_interrupt(std::move(mouse_interrupt))
    , m_reset(std::move(reset))
    , m_output_port(output_port::reset_inactive | output_port::a20)
{
    command_byte() = command_bits::after_post;
}

uint8_t I8042::read(Port port)
{
    std::lock_guard lock(m_mutex);
    if (port == Port::Command)
        return read_status();
    return read_data();
}

void I8042::write(Port port, uint8_t value)
{
    bool reset;
    {
        std::lock_guard lock(m_mutex);
        reset = port == Port::Command ? write_command(value) : write_data(value);
        fill_output_buffer();
        update_interrupts();
    }
    if (reset && m_reset)
        m_reset();
}

void I8042::push_keyboard_bytes(std::span<const uint8_t> bytes)
{
    std::lock_guard lock(m_mutex);
    if (!m_keyboard_scanning)
        return;
    push(m_keyboard_bytes, bytes);
    fill_output_buffer();
    update_interrupts();
}

void I8042::push_mouse_bytes(std::span<const uint8_t> bytes)
{
    std::lock_guard lock(m_mutex);
    if (!m_mouse_reporting || m_mouse_remote)
        return;
    push(m_mouse_bytes, bytes);
    fill_output_buffer();
    update_interrupts();
}

uint8_t I8042::keyboard_scancode_set() const
{
    std::lock_guard lock(m_mutex);
    return m_scancode_set;
}

uint8_t I8042::read_data()
{
    // An empty buffer reads as whatever it held last.
    uint8_t value = m_output;
    if (m_output_full) {
        m_output_full = false;
        // Drop the line for the byte just taken before loading the next, so the next is an edge.
        update_interrupts();
        fill_output_buffer();
        update_interrupts();
    }
    return value;
}

uint8_t I8042::read_status() const
{
    uint8_t value = status::not_inhibited;
    if (m_output_full)
        value |= status::output_full;
    if (m_output_full && m_output_from_mouse)
        value |= status::mouse_output;
    if (m_ram[0] & command_bits::system_flag)
        value |= status::system_flag;
    if (m_last_write_was_command)
        value |= status::last_was_command;
    return value;
}

bool I8042::write_command(uint8_t value)
{
    m_last_write_was_command = true;
    m_pending_command = 0; // a new command abandons one still waiting for its data byte
    if (in_range(value, Command::ReadRamFirst, Command::ReadRamLast)) {
        reply(m_ram[value - uint8_t(Command::ReadRamFirst)]);
        return false;
    }
    if (in_range(value, Command::WriteRamFirst, Command::WriteRamLast)) {
        m_pending_command = value;
        return false;
    }
    if (value >= uint8_t(Command::PulseFirst))
        return !(value & output_port::reset_inactive);

    switch (Command(value)) {
    case Command::DisableMouse:
        command_byte() |= command_bits::mouse_disabled;
        break;
    case Command::EnableMouse:
        command_byte() &= ~command_bits::mouse_disabled;
        break;
    case Command::TestMousePort:
    case Command::TestKeyboardPort:
        reply(port_test_passed);
        break;
    case Command::SelfTest:
        reply(self_test_passed);
        break;
    case Command::DisableKeyboard:
        command_byte() |= command_bits::keyboard_disabled;
        break;
    case Command::EnableKeyboard:
        command_byte() &= ~command_bits::keyboard_disabled;
        break;
    case Command::ReadOutputPort: {
        uint8_t port = m_output_port & ~(output_port::keyboard_full | output_port::mouse_full);
        if (m_keyboard_level)
            port |= output_port::keyboard_full;
        if (m_mouse_level)
            port |= output_port::mouse_full;
        reply(port);
        break;
    }
    case Command::WriteOutputPort:
    case Command::WriteKeyboardOutput:
    case Command::WriteMouseOutput:
    case Command::WriteToMouse:
        m_pending_command = value;
        break;
    default:
        LOG_DEBUG("i8042", "ignoring controller command 0x%02x", value);
        break;
    }
    return false;
}

bool I8042::write_data(uint8_t value)
{
    m_last_write_was_command = false;
    uint8_t command = m_pending_command;
    m_pending_command = 0;
    if (command == 0) {
        keyboard_command(value);
        return false;
    }
    if (in_range(command, Command::WriteRamFirst, Command::WriteRamLast)) {
        m_ram[command - uint8_t(Command::WriteRamFirst)] = value;
        return false;
    }
    switch (Command(command)) {
    case Command::WriteOutputPort:
        m_output_port = value;
        return !(value & output_port::reset_inactive);
    case Command::WriteKeyboardOutput:
        reply(value);
        break;
    case Command::WriteMouseOutput:
        reply(value, true);
        break;
    case Command::WriteToMouse:
        mouse_command(value);
        break;
    default:
        break;
    }
    return false;
}

void I8042::keyboard_command(uint8_t value)
{
    // A device drops what it had not sent yet when the host talks to it, so replies come first.
    m_keyboard_bytes.clear();
    m_translated_break = false;

    if (m_keyboard_pending != 0) {
        auto command = KeyboardCommand(m_keyboard_pending);
        m_keyboard_pending = 0;
        if (command == KeyboardCommand::ScancodeSet) {
            if (value == 0) {
                queue(m_keyboard_bytes, { ack, m_scancode_set });
                return;
            }
            if (value > 3) {
                queue(m_keyboard_bytes, { resend });
                return;
            }
            m_scancode_set = value;
        }
        // The LED state and typematic rate have no effect here.
        queue(m_keyboard_bytes, { ack });
        return;
    }

    switch (KeyboardCommand(value)) {
    case KeyboardCommand::SetLeds:
    case KeyboardCommand::ScancodeSet:
    case KeyboardCommand::SetTypematic:
        m_keyboard_pending = value;
        queue(m_keyboard_bytes, { ack });
        break;
    case KeyboardCommand::Echo:
        queue(m_keyboard_bytes, { value });
        break;
    case KeyboardCommand::Identify:
        queue(m_keyboard_bytes, { ack, keyboard_id[0], keyboard_id[1] });
        break;
    case KeyboardCommand::EnableScanning:
        m_keyboard_scanning = true;
        queue(m_keyboard_bytes, { ack });
        break;
    case KeyboardCommand::DisableScanning:
        keyboard_defaults();
        m_keyboard_scanning = false;
        queue(m_keyboard_bytes, { ack });
        break;
    case KeyboardCommand::SetDefaults:
        keyboard_defaults();
        queue(m_keyboard_bytes, { ack });
        break;
    case KeyboardCommand::Reset:
        keyboard_defaults();
        m_keyboard_scanning = true;
        queue(m_keyboard_bytes, { ack, self_test_ok });
        break;
    default:
        queue(m_keyboard_bytes, { resend });
        break;
    }
}

void I8042::mouse_command(uint8_t value)
{
    m_mouse_bytes.clear();

    if (m_mouse_pending != 0) {
        if (MouseCommand(m_mouse_pending) == MouseCommand::SetSampleRate)
            m_mouse_sample_rate = value;
        else
            m_mouse_resolution = value & mouse_resolution_mask;
        m_mouse_pending = 0;
        queue(m_mouse_bytes, { ack });
        return;
    }

    switch (MouseCommand(value)) {
    case MouseCommand::SetScaling1to1:
        m_mouse_scaling_2to1 = false;
        queue(m_mouse_bytes, { ack });
        break;
    case MouseCommand::SetScaling2to1:
        m_mouse_scaling_2to1 = true;
        queue(m_mouse_bytes, { ack });
        break;
    case MouseCommand::SetResolution:
    case MouseCommand::SetSampleRate:
        m_mouse_pending = value;
        queue(m_mouse_bytes, { ack });
        break;
    case MouseCommand::StatusRequest: {
        uint8_t flags = (m_mouse_remote ? mouse_status::remote_mode : 0) | (m_mouse_reporting ? mouse_status::reporting : 0)
            | (m_mouse_scaling_2to1 ? mouse_status::scaling_2to1 : 0);
        queue(m_mouse_bytes, { ack, flags, m_mouse_resolution, m_mouse_sample_rate });
        break;
    }
    case MouseCommand::SetStreamMode:
        m_mouse_remote = false;
        queue(m_mouse_bytes, { ack });
        break;
    case MouseCommand::ReadData:
        // No buttons, no motion: the host's movement only arrives in stream mode.
        queue(m_mouse_bytes, { ack, mouse_packet_always_one, 0, 0 });
        break;
    case MouseCommand::SetRemoteMode:
        m_mouse_remote = true;
        queue(m_mouse_bytes, { ack });
        break;
    case MouseCommand::GetId:
        queue(m_mouse_bytes, { ack, mouse_id });
        break;
    case MouseCommand::EnableReporting:
        m_mouse_reporting = true;
        queue(m_mouse_bytes, { ack });
        break;
    case MouseCommand::DisableReporting:
        m_mouse_reporting = false;
        queue(m_mouse_bytes, { ack });
        break;
    case MouseCommand::SetDefaults:
        mouse_defaults();
        queue(m_mouse_bytes, { ack });
        break;
    case MouseCommand::Reset:
        mouse_defaults();
        queue(m_mouse_bytes, { ack, self_test_ok, mouse_id });
        break;
    default:
        queue(m_mouse_bytes, { resend });
        break;
    }
}

void I8042::keyboard_defaults()
{
    m_scancode_set = 2;
    m_keyboard_pending = 0;
}

void I8042::mouse_defaults()
{
    m_mouse_reporting = false;
    m_mouse_remote = false;
    m_mouse_scaling_2to1 = false;
    m_mouse_resolution = 2;
    m_mouse_sample_rate = 100;
    m_mouse_pending = 0;
}

void I8042::reply(uint8_t byte, bool mouse)
{
    // A guest issuing commands without ever reading must not grow the queue without bound.
    if (m_replies.size() == device_buffer_size)
        return;
    m_replies.push_back({ byte, mouse });
}

void I8042::queue(std::deque<uint8_t>& device, std::initializer_list<uint8_t> bytes)
{
    push(device, std::span(bytes.begin(), bytes.size()));
}

void I8042::push(std::deque<uint8_t>& device, std::span<const uint8_t> bytes)
{
    // All or nothing: a mouse packet or a multi-byte key sequence cut short would leave the guest's
    // driver out of step with the stream.
    if (device.size() + bytes.size() > device_buffer_size) {
        LOG_WARN("i8042", "device buffer full, dropping input");
        return;
    }
    device.insert(device.end(), bytes.begin(), bytes.end());
}

void I8042::fill_output_buffer()
{
    if (m_output_full)
        return;
    if (!m_replies.empty()) {
        m_output = m_replies.front().byte;
        m_output_from_mouse = m_replies.front().mouse;
        m_replies.pop_front();
        m_output_full = true;
        return;
    }
    if (!(command_byte() & command_bits::keyboard_disabled)) {
        while (!m_keyboard_bytes.empty()) {
            uint8_t byte = m_keyboard_bytes.front();
            m_keyboard_bytes.pop_front();
            if (command_byte() & command_bits::translate) {
                // Set 1 has no break prefix: it marks a release by setting bit 7 of the code.
                if (byte == break_prefix) {
                    m_translated_break = true;
                    continue;
                }
                byte = translate_to_set1(byte) | (m_translated_break ? set1_release : 0);
                m_translated_break = false;
            }
            m_output = byte;
            m_output_from_mouse = false;
            m_output_full = true;
            return;
        }
    }
    if (!(command_byte() & command_bits::mouse_disabled) && !m_mouse_bytes.empty()) {
        m_output = m_mouse_bytes.front();
        m_mouse_bytes.pop_front();
        m_output_from_mouse = true;
        m_output_full = true;
    }
}

void I8042::update_interrupts()
{
    bool keyboard = m_output_full && !m_output_from_mouse && (command_byte() & command_bits::keyboard_interrupt);
    bool mouse = m_output_full && m_output_from_mouse && (command_byte() & command_bits::mouse_interrupt);
    if (keyboard != m_keyboard_level) {
        m_keyboard_level = keyboard;
        m_keyboard_interrupt.set_level(keyboard);
    }
    if (mouse != m_mouse_level) {
        m_mouse_level = mouse;
        m_mouse_interrupt.set_level(mouse);
    }
}

} // namespace spicebox
