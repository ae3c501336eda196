#include "vmm/kvm_vcpu.h"

#include "base/log.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <csignal>
#include <cstring>
#include <sys/ioctl.h>
#include <sys/mman.h>

namespace spicebox {

namespace {

// LAPIC register offsets and LVT delivery modes (Intel SDM vol. 3, 10.5.1).
constexpr size_t kLapicLvtLint0 = 0x350;
constexpr size_t kLapicLvtLint1 = 0x360;
constexpr uint32_t kLvtDeliveryModeMask = 0x700;
constexpr uint32_t kLvtDeliveryExtInt = 0x700;
constexpr uint32_t kLvtDeliveryNmi = 0x400;

int kick_signal() { return SIGRTMIN; }

void ignore_kick(int) { }

}

void install_vcpu_kick_signal()
{
    struct sigaction action {};
    action.sa_handler = ignore_kick;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: the kick must make KVM_RUN return EINTR.
    sigaction(kick_signal(), &action, nullptr);
}

Result<KvmVcpu> KvmVcpu::create(const KvmSystem& system, const KvmVm& vm, unsigned id)
{
    KvmVcpu vcpu;
    vcpu.m_id = id;
    vcpu.m_fd = FileDescriptor(ioctl(vm.fd(), KVM_CREATE_VCPU, id));
    if (!vcpu.m_fd.valid())
        return ioctl_error("KVM_CREATE_VCPU");
    vcpu.m_run_size = system.vcpu_mmap_size();
    void* run = mmap(nullptr, vcpu.m_run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu.m_fd.get(), 0);
    if (run == MAP_FAILED)
        return Error { std::string("mmap of the KVM vCPU run area failed: ") + std::strerror(errno) };
    vcpu.m_run = static_cast<kvm_run*>(run);
    return vcpu;
}

KvmVcpu::KvmVcpu(KvmVcpu&& other) noexcept
    : m_fd(std::move(other.m_fd))
    , m_id(other.m_id)
    , m_run(std::exchange(other.m_run, nullptr))
    , m_run_size(other.m_run_size)
    , m_register_port(other.m_register_port)
{
}

KvmVcpu::~KvmVcpu()
{
    if (m_run)
        munmap(m_run, m_run_size);
}

Result<void> KvmVcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries)
{
    std::vector<uint8_t> buffer(sizeof(kvm_cpuid2) + entries.size() * sizeof(kvm_cpuid_entry2));
    auto* cpuid = reinterpret_cast<kvm_cpuid2*>(buffer.data());
    cpuid->nent = uint32_t(entries.size());
    std::copy(entries.begin(), entries.end(), cpuid->entries);
    if (ioctl(m_fd.get(), KVM_SET_CPUID2, cpuid) < 0)
        return ioctl_error("KVM_SET_CPUID2");
    return {};
}

Result<void> KvmVcpu::set_regs(const kvm_regs& regs)
{
    if (ioctl(m_fd.get(), KVM_SET_REGS, &regs) < 0)
        return ioctl_error("KVM_SET_REGS");
    return {};
}

Result<kvm_regs> KvmVcpu::regs() const
{
    kvm_regs regs {};
    if (ioctl(m_fd.get(), KVM_GET_REGS, &regs) < 0)
        return ioctl_error("KVM_GET_REGS");
    return regs;
}

Result<void> KvmVcpu::set_sregs(const kvm_sregs& sregs)
{
    if (ioctl(m_fd.get(), KVM_SET_SREGS, &sregs) < 0)
        return ioctl_error("KVM_SET_SREGS");
    return {};
}

Result<kvm_sregs> KvmVcpu::sregs() const
{
    kvm_sregs sregs {};
    if (ioctl(m_fd.get(), KVM_GET_SREGS, &sregs) < 0)
        return ioctl_error("KVM_GET_SREGS");
    return sregs;
}

Result<void> KvmVcpu::set_fpu(const kvm_fpu& fpu)
{
    if (ioctl(m_fd.get(), KVM_SET_FPU, &fpu) < 0)
        return ioctl_error("KVM_SET_FPU");
    return {};
}

Result<void> KvmVcpu::set_msrs(std::span<const std::pair<uint32_t, uint64_t>> msrs)
{
    std::vector<uint8_t> buffer(sizeof(kvm_msrs) + msrs.size() * sizeof(kvm_msr_entry));
    auto* list = reinterpret_cast<kvm_msrs*>(buffer.data());
    list->nmsrs = uint32_t(msrs.size());
    for (size_t i = 0; i < msrs.size(); ++i) {
        list->entries[i].index = msrs[i].first;
        list->entries[i].data = msrs[i].second;
    }
    int written = ioctl(m_fd.get(), KVM_SET_MSRS, list);
    if (written < 0)
        return ioctl_error("KVM_SET_MSRS");
    if (size_t(written) < msrs.size()) {
        char message[96];
        std::snprintf(message, sizeof message, "KVM_SET_MSRS refused MSR 0x%x", msrs[size_t(written)].first);
        return Error { message };
    }
    return {};
}

Result<void> KvmVcpu::set_lapic_lint()
{
    kvm_lapic_state lapic {};
    if (ioctl(m_fd.get(), KVM_GET_LAPIC, &lapic) < 0)
        return ioctl_error("KVM_GET_LAPIC");
    auto set_delivery = [&](size_t offset, uint32_t mode) {
        uint32_t value;
        std::memcpy(&value, lapic.regs + offset, sizeof value);
        value = (value & ~kLvtDeliveryModeMask) | mode;
        std::memcpy(lapic.regs + offset, &value, sizeof value);
    };
    set_delivery(kLapicLvtLint0, kLvtDeliveryExtInt);
    set_delivery(kLapicLvtLint1, kLvtDeliveryNmi);
    if (ioctl(m_fd.get(), KVM_SET_LAPIC, &lapic) < 0)
        return ioctl_error("KVM_SET_LAPIC");
    return {};
}

void KvmVcpu::stop()
{
    m_stop = true;
    // immediate_exit covers the window where the thread is about to enter KVM_RUN; the signal
    // interrupts a KVM_RUN already under way.
    m_run->immediate_exit = 1;
    if (m_running)
        pthread_kill(m_thread.load(), kick_signal());
}

void KvmVcpu::run(VcpuExitHandler& handler)
{
    m_thread = pthread_self();
    m_running = true;
    while (!m_stop) {
        if (ioctl(m_fd.get(), KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            handler.vcpu_failed(m_id, std::string("KVM_RUN failed: ") + std::strerror(errno));
            break;
        }
        if (!handle_exit(handler))
            break;
    }
    m_running = false;
}

// The `in` has not completed yet: KVM loads EAX from `data` when the vCPU next runs, so EAX goes there too.
bool KvmVcpu::handle_register_port(VcpuExitHandler& handler, std::span<uint8_t> data)
{
    auto regs = this->regs();
    if (!regs) {
        handler.vcpu_failed(m_id, regs.error().message);
        return false;
    }
    handler.register_port_read(m_run->io.port, *regs);
    if (auto set = set_regs(*regs); !set) {
        handler.vcpu_failed(m_id, set.error().message);
        return false;
    }
    auto eax = uint32_t(regs->rax);
    std::memcpy(data.data(), &eax, sizeof eax);
    return true;
}

bool KvmVcpu::handle_exit(VcpuExitHandler& handler)
{
    switch (m_run->exit_reason) {
    case KVM_EXIT_IO: {
        auto& io = m_run->io;
        size_t total = size_t(io.size) * io.count;
        if (io.data_offset > m_run_size || total > m_run_size - io.data_offset) {
            handler.vcpu_failed(m_id, "KVM reported a port access outside the run area");
            return false;
        }
        // A `rep ins/outs` arrives as `count` accesses of `size` bytes each.
        uint8_t* data = reinterpret_cast<uint8_t*>(m_run) + io.data_offset;
        if (io.port == m_register_port && io.direction == KVM_EXIT_IO_IN && io.size == sizeof(uint32_t) && io.count == 1)
            return handle_register_port(handler, std::span<uint8_t>(data, sizeof(uint32_t)));
        for (uint32_t i = 0; i < io.count; ++i) {
            std::span<uint8_t> access(data + size_t(i) * io.size, io.size);
            if (io.direction == KVM_EXIT_IO_OUT)
                handler.port_write(io.port, access);
            else
                handler.port_read(io.port, access);
        }
        return true;
    }
    case KVM_EXIT_MMIO: {
        auto& mmio = m_run->mmio;
        std::span<uint8_t> access(mmio.data, std::min<size_t>(mmio.len, sizeof mmio.data));
        if (mmio.is_write)
            handler.mmio_write(mmio.phys_addr, access);
        else
            handler.mmio_read(mmio.phys_addr, access);
        return true;
    }
    case KVM_EXIT_INTR:
        return true;
    case KVM_EXIT_HLT:
        // With the in-kernel LAPIC a halt stays in the kernel; one that reaches us means the CPU can never wake.
        handler.guest_crashed(m_id, "the guest halted with interrupts off");
        return false;
    case KVM_EXIT_SHUTDOWN:
        handler.guest_crashed(m_id, "the guest triple-faulted");
        return false;
    case KVM_EXIT_SYSTEM_EVENT:
        handler.guest_reset(m_run->system_event.type == KVM_SYSTEM_EVENT_RESET ? "system reset" : "system shutdown");
        return false;
    case KVM_EXIT_FAIL_ENTRY: {
        char why[96];
        std::snprintf(why, sizeof why, "KVM could not enter the guest (hardware reason 0x%llx)",
            static_cast<unsigned long long>(m_run->fail_entry.hardware_entry_failure_reason));
        handler.vcpu_failed(m_id, why);
        return false;
    }
    case KVM_EXIT_INTERNAL_ERROR: {
        auto rip = regs();
        char why[128];
        std::snprintf(why, sizeof why, "KVM internal error (suberror %u%s) at RIP 0x%llx", m_run->internal.suberror,
            m_run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION ? ", instruction emulation failed" : "",
            rip.ok() ? static_cast<unsigned long long>(rip->rip) : 0ull);
        handler.vcpu_failed(m_id, why);
        return false;
    }
    default: {
        handler.vcpu_failed(m_id, "unexpected KVM exit reason " + std::to_string(m_run->exit_reason));
        return false;
    }
    }
}

} // namespace spicebox
