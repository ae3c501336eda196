// System control port A (0x92, size 1; "fast A20 and reset" of PS/2-era chipsets, QEMU hw/i386/
// port92.c). Bit 1 is the A20 gate: it is stored and reads back, but KVM has no A20 mask, so the
// line stays enabled whatever the guest writes (firmware and kernels only ever turn it on). Bit 0
// set by a write (a rising edge) requests a system reset: spicebox ends the run, as it does for
// the i8042's reset line. The other bits store and read back.
// Threads: the register is an atomic; the reset callback runs on the writing vCPU thread.
#pragma once

#include "devices/io_device.h"

#include <atomic>
#include <cstdint>
#include <functional>

namespace spicebox {

class SystemControlPort final : public IoDevice {
public:
    explicit SystemControlPort(std::function<void()> reset) : m_reset(std::move(reset)) { }

    void io_read(uint64_t offset, std::span<uint8_t> data) override;
    void io_write(uint64_t offset, std::span<const uint8_t> data) override;
    std::string_view io_name() const override { return "system-control-port-a"; }

private:
    std::function<void()> m_reset;
    std::atomic<uint8_t> m_value { 0 };
};

} // namespace spicebox
