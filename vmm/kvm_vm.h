// A KVM virtual machine: memory slots, the in-kernel interrupt controllers and PIT, interrupt lines.
#pragma once

#include "base/result.h"
#include "vmm/file_descriptor.h"
#include "vmm/kvm_system.h"
#include "vmm/memory_slots.h"

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

namespace spicebox {

class KvmVm final : public MemorySlots {
public:
    // Creates the VM with an in-kernel irqchip (PIC, IOAPIC, LAPICs) and PIT.
    static Result<std::unique_ptr<KvmVm>> create(const KvmSystem&);

    int fd() const { return m_fd.get(); }

    // |MemorySlots|: host memory at a guest-physical address as a new memory slot.
    Result<uint32_t> add_memory(uint64_t guest_address, std::span<uint8_t> host, MemorySlotFlags = {}) override;
    Result<void> remove_memory(uint32_t slot) override;
    Result<void> take_dirty_log(uint32_t slot, std::span<uint64_t> bitmap) override;

    // Sets the level of a GSI on the in-kernel PIC/IOAPIC. Callable from any thread.
    void set_irq_line(uint32_t gsi, bool level);

private:
    struct Slot {
        bool used { false };
        uint64_t guest_address { 0 };
        std::span<uint8_t> host;
        uint32_t flags { 0 };
    };
    Result<void> set_default_gsi_routing();
    Result<void> set_region(uint32_t slot, const Slot&, bool present);

    FileDescriptor m_fd;
    std::mutex m_slots_mutex;
    std::vector<Slot> m_slots;
    uint32_t m_max_slots { 0 };
};

} // namespace spicebox
