#include "vmm/kvm_vm.h"

#include "base/log.h"
#include "vmm/memory_layout.h"
#include "vmm/mp_table.h"

#include <cerrno>
#include <cstring>
#include <sys/ioctl.h>

namespace spicebox {

Result<std::unique_ptr<KvmVm>> KvmVm::create(const KvmSystem& system)
{
    std::unique_ptr<KvmVm> vm_holder(new KvmVm);
    auto& vm = *vm_holder;
    vm.m_fd = FileDescriptor(ioctl(system.fd(), KVM_CREATE_VM, 0));
    if (!vm.m_fd.valid())
        return ioctl_error("KVM_CREATE_VM");
    int max_slots = system.check_extension(KVM_CAP_NR_MEMSLOTS);
    vm.m_max_slots = max_slots > 0 ? uint32_t(max_slots) : 32;

    if (ioctl(vm.fd(), KVM_SET_TSS_ADDR, layout::kvm_tss_address) < 0)
        return ioctl_error("KVM_SET_TSS_ADDR");
    uint64_t identity_map = layout::kvm_identity_map_address;
    if (system.check_extension(KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 && ioctl(vm.fd(), KVM_SET_IDENTITY_MAP_ADDR, &identity_map) < 0)
        return ioctl_error("KVM_SET_IDENTITY_MAP_ADDR");
    if (ioctl(vm.fd(), KVM_CREATE_IRQCHIP, 0) < 0)
        return ioctl_error("KVM_CREATE_IRQCHIP");
    TRY(vm.set_default_gsi_routing());
    kvm_pit_config pit {};
    pit.flags = KVM_PIT_SPEAKER_DUMMY;
    if (ioctl(vm.fd(), KVM_CREATE_PIT2, &pit) < 0)
        return ioctl_error("KVM_CREATE_PIT2");
    return vm_holder;
}

// ISA GSIs reach both the 8259 pair and the IOAPIC pin the MP table names (GSI 0, the PIT, is pin 2; KVM's
// built-in table would send it to pin 0), PCI GSIs only the IOAPIC. GSI 2 is the 8259 cascade: not routed.
Result<void> KvmVm::set_default_gsi_routing()
{
    constexpr unsigned kIsaIrqs = isa_irq_count;
    constexpr unsigned kIoapicPins = pci_intx_first_gsi + pci_intx_gsi_count;
    constexpr unsigned kCascadeIrq = 2;
    constexpr unsigned kMaxRoutes = kIsaIrqs + kIoapicPins;
    std::vector<uint8_t> buffer(sizeof(kvm_irq_routing) + kMaxRoutes * sizeof(kvm_irq_routing_entry));
    auto* routing = reinterpret_cast<kvm_irq_routing*>(buffer.data());
    auto add = [&](uint32_t gsi, uint32_t chip, uint32_t pin) {
        auto& entry = routing->entries[routing->nr++];
        entry.gsi = gsi;
        entry.type = KVM_IRQ_ROUTING_IRQCHIP;
        entry.u.irqchip.irqchip = chip;
        entry.u.irqchip.pin = pin;
    };
    for (uint32_t gsi = 0; gsi < kIsaIrqs; ++gsi) {
        if (gsi == kCascadeIrq)
            continue;
        add(gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE, gsi % 8);
    }
    for (uint32_t gsi = 0; gsi < kIoapicPins; ++gsi) {
        if (gsi == kCascadeIrq)
            continue;
        add(gsi, KVM_IRQCHIP_IOAPIC, gsi < kIsaIrqs ? isa_irq_ioapic_pin(gsi) : gsi);
    }
    if (ioctl(fd(), KVM_SET_GSI_ROUTING, routing) < 0)
        return ioctl_error("KVM_SET_GSI_ROUTING");
    return {};
}

Result<void> KvmVm::set_region(uint32_t slot, const Slot& description, bool present)
{
    kvm_userspace_memory_region region {};
    region.slot = slot;
    region.flags = description.flags;
    region.guest_phys_addr = description.guest_address;
    region.memory_size = present ? description.host.size() : 0;
    region.userspace_addr = reinterpret_cast<uint64_t>(description.host.data());
    if (ioctl(fd(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return ioctl_error("KVM_SET_USER_MEMORY_REGION");
    return {};
}

Result<uint32_t> KvmVm::add_memory(uint64_t guest_address, std::span<uint8_t> host, MemorySlotFlags flags)
{
    std::lock_guard lock(m_slots_mutex);
    uint32_t slot = 0;
    while (slot < m_slots.size() && m_slots[slot].used)
        ++slot;
    if (slot >= m_max_slots)
        return Error { "no free KVM memory slot (the host allows " + std::to_string(m_max_slots) + ")" };
    if (slot == m_slots.size())
        m_slots.emplace_back();
    uint32_t kvm_flags = (flags.log_dirty ? KVM_MEM_LOG_DIRTY_PAGES : 0u) | (flags.read_only ? KVM_MEM_READONLY : 0u);
    Slot description { true, guest_address, host, kvm_flags };
    TRY(set_region(slot, description, true));
    m_slots[slot] = description;
    return slot;
}

Result<void> KvmVm::remove_memory(uint32_t slot)
{
    std::lock_guard lock(m_slots_mutex);
    if (slot >= m_slots.size() || !m_slots[slot].used)
        return Error { "KVM memory slot " + std::to_string(slot) + " is not in use" };
    TRY(set_region(slot, m_slots[slot], false));
    m_slots[slot].used = false;
    return {};
}

// KVM_GET_DIRTY_LOG copies the slot's bitmap (one bit per page, in 64-bit words) and resets it.
Result<void> KvmVm::take_dirty_log(uint32_t slot, std::span<uint64_t> bitmap)
{
    std::lock_guard lock(m_slots_mutex);
    if (slot >= m_slots.size() || !m_slots[slot].used)
        return Error { "KVM memory slot " + std::to_string(slot) + " is not in use" };
    if (!(m_slots[slot].flags & KVM_MEM_LOG_DIRTY_PAGES))
        return Error { "KVM memory slot " + std::to_string(slot) + " does not log dirty pages" };
    size_t pages = (m_slots[slot].host.size() + layout::page_size - 1) / layout::page_size;
    if (bitmap.size() * 64 < pages)
        return Error { "dirty bitmap too small for KVM memory slot " + std::to_string(slot) };
    // KVM writes whole words up to the slot's page count rounded up to 64.
    std::vector<uint64_t> words((pages + 63) / 64, 0);
    kvm_dirty_log log {};
    log.slot = slot;
    log.dirty_bitmap = words.data();
    if (ioctl(fd(), KVM_GET_DIRTY_LOG, &log) < 0)
        return ioctl_error("KVM_GET_DIRTY_LOG");
    for (size_t i = 0; i < words.size(); ++i)
        bitmap[i] |= words[i];
    return {};
}

void KvmVm::set_irq_line(uint32_t gsi, bool level)
{
    kvm_irq_level irq {};
    irq.irq = gsi;
    irq.level = level ? 1 : 0;
    if (ioctl(fd(), KVM_IRQ_LINE, &irq) < 0)
        LOG_WARN("kvm", "KVM_IRQ_LINE gsi %u failed: %s", gsi, std::strerror(errno));
}

} // namespace spicebox
