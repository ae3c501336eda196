// Host memory behind one of the card's memory BARs: page-aligned, zero-filled, reserved lazily
// (pages cost nothing until the guest touches them), mapped into the guest as a KVM memory slot.
#pragma once

#include "base/result.h"

#include <cstdint>
#include <span>

namespace spicebox {

class QxlBarMemory {
public:
    static Result<QxlBarMemory> allocate(uint64_t size);

    QxlBarMemory() = default;
    ~QxlBarMemory();
    QxlBarMemory(QxlBarMemory&&) noexcept;
    QxlBarMemory& operator=(QxlBarMemory&&) noexcept;
    QxlBarMemory(const QxlBarMemory&) = delete;
    QxlBarMemory& operator=(const QxlBarMemory&) = delete;

    std::span<uint8_t> bytes() const { return { m_data, m_size }; }
    uint64_t size() const { return m_size; }

private:
    QxlBarMemory(uint8_t* data, uint64_t size) : m_data(data), m_size(size) { }
    void release();

    uint8_t* m_data { nullptr };
    uint64_t m_size { 0 };
};

} // namespace spicebox
