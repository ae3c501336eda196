#include "devices/debug_exit.h"
#include "devices/post_port.h"

#include <doctest/doctest.h>
#include <vector>

using namespace spicebox;

TEST_CASE("DebugExit ends the run with the low byte written, at any width")
{
    std::vector<int> statuses;
    DebugExit port([&statuses](int status) { statuses.push_back(status); });

    const uint8_t passed[1] = { 0x00 };
    port.io_write(0, passed);
    const uint8_t failed_word[2] = { 0x12, 0x34 };
    port.io_write(0, failed_word);
    const uint8_t failed_dword[4] = { 0xFF, 0x01, 0x00, 0x00 };
    port.io_write(0, failed_dword);
    CHECK(statuses == std::vector<int> { 0x00, 0x12, 0xFF });

    uint8_t value[2] = { 0xAA, 0xAA };
    port.io_read(0, value);
    CHECK(value[0] == 0);
    CHECK(value[1] == 0);
}

TEST_CASE("PostPort keeps and reads back the last code")
{
    PostPort port;
    CHECK(port.last_code() == 0);
    const uint8_t code[1] = { 0x41 };
    port.io_write(0, code);
    const uint8_t next[1] = { 0x42 };
    port.io_write(0, next);
    CHECK(port.last_code() == 0x42);
    uint8_t value[1];
    port.io_read(0, value);
    CHECK(value[0] == 0x42);
}
