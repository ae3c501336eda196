// An address space of device ranges (one for port I/O, one for MMIO). Lookups happen on every exit;
// mappings change rarely (PCI BAR moves), so a shared lock guards the map and the handler runs after
// the lock is dropped, letting a handler remap ranges (a BAR write) without deadlocking.
#pragma once

#include "base/result.h"
#include "devices/io_device.h"

#include <atomic>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

namespace spicebox {

class IoBus {
public:
    explicit IoBus(std::string name, uint8_t unmapped_read_byte) : m_name(std::move(name)), m_unmapped_read_byte(unmapped_read_byte) { }

    // `device` answers [base, base + size) with offsets relative to base.
    Result<void> map(uint64_t base, uint64_t size, std::shared_ptr<IoDevice> device);
    // Removes the range that starts at `base` (no-op if none does).
    void unmap(uint64_t base);

    // Returns false when nothing is mapped there: reads then see the bus's unmapped byte, writes vanish.
    bool read(uint64_t address, std::span<uint8_t> data);
    bool write(uint64_t address, std::span<const uint8_t> data);

    uint64_t unmapped_accesses() const { return m_unmapped; }

private:
    struct Mapping {
        uint64_t size;
        std::shared_ptr<IoDevice> device;
    };
    bool find(uint64_t address, uint64_t length, std::shared_ptr<IoDevice>& device, uint64_t& offset) const;

    std::string m_name;
    uint8_t m_unmapped_read_byte;
    mutable std::shared_mutex m_mutex;
    std::map<uint64_t, Mapping> m_mappings;
    std::atomic<uint64_t> m_unmapped { 0 };
};

} // namespace spicebox
