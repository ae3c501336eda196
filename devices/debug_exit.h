// The test-exit port, at QEMU's isa-debug-exit default base (0x501, size 2): a guest write ends
// the run. Exit status = the low byte of the value written, whatever the access width:
//   0        the guest passed;
//   1..3     reserved, spicebox itself exits with these for its own failures;
//   0x10..   our guests report their failures from here up.
// (Unlike QEMU's device, which exits with (value << 1) | 1, the byte is the status as is.)
// Reads return 0. The exit callback runs on the vCPU thread that wrote; the device holds no state
// and no lock, so the callback may do anything, including stopping the vCPUs.
#pragma once

#include "devices/io_device.h"

#include <functional>

namespace spicebox {

class DebugExit final : public IoDevice {
public:
    explicit DebugExit(std::function<void(int status)> exit) : m_exit(std::move(exit)) { }

    void io_read(uint64_t offset, std::span<uint8_t> data) override;
    void io_write(uint64_t offset, std::span<const uint8_t> data) override;
    std::string_view io_name() const override { return "debug-exit"; }

private:
    std::function<void(int)> m_exit;
};

} // namespace spicebox
