// The POST diagnostic port (0x80, size 1). Firmware and kernels write progress codes here (Linux
// also uses it as a short I/O delay); the last byte written reads back, as on POST cards that
// latch it, and each code is logged at debug level.
#pragma once

#include "devices/io_device.h"

#include <atomic>
#include <cstdint>

namespace spicebox {

class PostPort final : public IoDevice {
public:
    void io_read(uint64_t offset, std::span<uint8_t> data) override;
    void io_write(uint64_t offset, std::span<const uint8_t> data) override;
    std::string_view io_name() const override { return "post-port"; }

    uint8_t last_code() const { return m_last_code.load(std::memory_order_relaxed); }

private:
    // One byte of state: an atomic is the whole lock it needs.
    std::atomic<uint8_t> m_last_code { 0 };
};

} // namespace spicebox
