// One KVM vCPU: its register state and its KVM_RUN loop, which hands port and MMIO exits to a handler.
#pragma once

#include "base/result.h"
#include "vmm/file_descriptor.h"
#include "vmm/kvm_system.h"
#include "vmm/kvm_vm.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <pthread.h>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace spicebox {

class VcpuExitHandler {
public:
    virtual ~VcpuExitHandler() = default;
    virtual void port_read(uint16_t port, std::span<uint8_t> data) = 0;
    virtual void port_write(uint16_t port, std::span<const uint8_t> data) = 0;
    // A 32-bit `in` from the vCPU's register port (`KvmVcpu::set_register_port`): a call that passes its
    // arguments and results in the general registers (the VMware backdoor). `regs` are the vCPU's, written
    // back after the call; the `in` itself loads the returned EAX.
    virtual void register_port_read(uint16_t port, kvm_regs& regs) = 0;
    virtual void mmio_read(uint64_t address, std::span<uint8_t> data) = 0;
    virtual void mmio_write(uint64_t address, std::span<const uint8_t> data) = 0;
    // The guest reset or shut the machine down (KVM system event, port 0x92).
    virtual void guest_reset(const std::string& why) = 0;
    // The vCPU can never run on: a triple fault, or a halt with interrupts off. Our guests end through the
    // debug-exit port, so for them this is a crash; Linux may also reboot by a triple fault.
    virtual void guest_crashed(unsigned vcpu_id, const std::string& why) = 0;
    // KVM could not go on running this vCPU (emulation failure, failed entry).
    virtual void vcpu_failed(unsigned vcpu_id, const std::string& why) = 0;
};

class KvmVcpu {
public:
    static Result<KvmVcpu> create(const KvmSystem&, const KvmVm&, unsigned id);
    KvmVcpu(KvmVcpu&&) noexcept;
    ~KvmVcpu();

    unsigned id() const { return m_id; }

    // The CPUID the guest sees (vmm/guest_cpuid.h makes it from what KVM supports).
    Result<void> set_cpuid(const std::vector<kvm_cpuid_entry2>&);
    Result<void> set_regs(const kvm_regs&);
    Result<kvm_regs> regs() const;
    Result<void> set_sregs(const kvm_sregs&);
    Result<kvm_sregs> sregs() const;
    Result<void> set_fpu(const kvm_fpu&);
    Result<void> set_msrs(std::span<const std::pair<uint32_t, uint64_t>>);
    // LINT0 as ExtINT (the 8259 behind the LAPIC) and LINT1 as NMI, as on a PC.
    Result<void> set_lapic_lint();

    // 32-bit `in`s from `port` go to VcpuExitHandler::register_port_read with the registers; other
    // accesses to it, and every other port, take the plain path. Call before run().
    void set_register_port(uint16_t port) { m_register_port = port; }

    // Runs until stop() is called or the guest ends the run; returns on the calling (vCPU) thread.
    void run(VcpuExitHandler&);
    // From any thread: make run() return as soon as possible.
    void stop();

private:
    KvmVcpu() = default;
    bool handle_exit(VcpuExitHandler&);
    bool handle_register_port(VcpuExitHandler&, std::span<uint8_t> data);

    FileDescriptor m_fd;
    unsigned m_id { 0 };
    kvm_run* m_run { nullptr };
    size_t m_run_size { 0 };
    std::optional<uint16_t> m_register_port;
    std::atomic<bool> m_stop { false };
    std::atomic<pthread_t> m_thread {};
    std::atomic<bool> m_running { false };
};

// Installs the no-op signal handler used to kick vCPU threads out of KVM_RUN. Call once before run().
void install_vcpu_kick_signal();

} // namespace spicebox
