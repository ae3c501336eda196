// The firmware debug console (port 0x402, size 1: QEMU's isa-debugcon as SeaBIOS finds it,
// src/hw/serialio.c). Reads return 0xE9, the value by which SeaBIOS recognises the port before it
// writes its log there one byte per OUT. Each line is logged at debug level (-v), and the last
// lines are kept so that a failed firmware boot can say how far the firmware got.
// Threads: a mutex guards the line being built and the kept lines.
#pragma once

#include "devices/io_device.h"

#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace spicebox {

class FirmwareDebugConsole final : public IoDevice {
public:
    static constexpr size_t kept_lines = 12;
    static constexpr size_t max_line_length = 256; // longer lines are split

    void io_read(uint64_t offset, std::span<uint8_t> data) override;
    void io_write(uint64_t offset, std::span<const uint8_t> data) override;
    std::string_view io_name() const override { return "firmware-debug-console"; }

    // The last complete lines, oldest first, then the unfinished one if any.
    std::vector<std::string> last_lines() const;

private:
    void finish_line();

    mutable std::mutex m_mutex;
    std::string m_line;
    std::deque<std::string> m_lines;
};

} // namespace spicebox
