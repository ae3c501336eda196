// /dev/kvm: the capabilities and CPUID the host's KVM offers. Every failure names the ioctl.
#pragma once

#include "base/result.h"
#include "vmm/file_descriptor.h"

#include "vmm/kvm_abi.h"
#include <memory>
#include <vector>

namespace spicebox {

class KvmSystem {
public:
    static Result<KvmSystem> open(const char* path = "/dev/kvm");

    int fd() const { return m_fd.get(); }
    int check_extension(long capability) const;
    size_t vcpu_mmap_size() const { return m_vcpu_mmap_size; }
    // Host CPUID as KVM can virtualize it (KVM_GET_SUPPORTED_CPUID), ready to adjust per vCPU.
    const std::vector<kvm_cpuid_entry2>& supported_cpuid() const { return m_supported_cpuid; }

private:
    KvmSystem() = default;
    FileDescriptor m_fd;
    size_t m_vcpu_mmap_size { 0 };
    std::vector<kvm_cpuid_entry2> m_supported_cpuid;
};

// "KVM_CREATE_VM failed: <strerror>"
Error ioctl_error(const char* ioctl_name);

} // namespace spicebox
