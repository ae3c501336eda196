#include "devices/firmware_debug_console.h"
#include "devices/system_control_port.h"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace spicebox;

namespace {

void out(IoDevice& device, uint8_t value)
{
    const uint8_t byte[1] = { value };
    device.io_write(0, byte);
}

uint8_t in(IoDevice& device)
{
    uint8_t byte[1] = { 0x55 };
    device.io_read(0, byte);
    return byte[0];
}

void print(IoDevice& device, std::string_view text)
{
    for (char c : text)
        out(device, uint8_t(c));
}

} // namespace

TEST_CASE("Port 0x92: A20 reads back, a rising reset bit requests one reset")
{
    int resets = 0;
    SystemControlPort port([&resets] { ++resets; });
    CHECK(in(port) == 0);
    out(port, 0x02);
    CHECK(in(port) == 0x02);
    CHECK(resets == 0);
    out(port, 0x03);
    CHECK(resets == 1);
    out(port, 0x03); // still set: no new edge
    CHECK(resets == 1);
    out(port, 0x02);
    out(port, 0x01);
    CHECK(resets == 2);
    CHECK(in(port) == 0x01);
}

TEST_CASE("Firmware debug console: presence value, lines kept, control characters dropped")
{
    FirmwareDebugConsole console;
    CHECK(in(console) == 0xE9);
    CHECK(console.last_lines().empty());

    print(console, "SeaBIOS (version 1.16.2)\r\n\x0c" "Found QEMU fw_cfg\nunfinished");
    CHECK(console.last_lines() == std::vector<std::string> { "SeaBIOS (version 1.16.2)", "Found QEMU fw_cfg", "unfinished" });

    for (size_t i = 0; i < FirmwareDebugConsole::kept_lines + 3; ++i)
        print(console, "line " + std::to_string(i) + "\n");
    auto lines = console.last_lines();
    REQUIRE(lines.size() == FirmwareDebugConsole::kept_lines);
    CHECK(lines.front() == "line 3");
    CHECK(lines.back() == "line " + std::to_string(FirmwareDebugConsole::kept_lines + 2));

    // A line that never ends is cut, so memory stays bounded.
    print(console, std::string(FirmwareDebugConsole::max_line_length * 2 + 5, 'x'));
    lines = console.last_lines();
    CHECK(lines.back() == "xxxxx");
    CHECK(lines[lines.size() - 2].size() == FirmwareDebugConsole::max_line_length);
}
