#include "vmm/kvm_system.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/ioctl.h>

namespace spicebox {

Error ioctl_error(const char* ioctl_name)
{
    return Error { std::string(ioctl_name) + " failed: " + std::strerror(errno) };
}

Result<KvmSystem> KvmSystem::open(const char* path)
{
    KvmSystem system;
    system.m_fd = FileDescriptor(::open(path, O_RDWR | O_CLOEXEC));
    if (!system.m_fd.valid()) {
        std::string where(path);
        if (errno == ENOENT)
            return Error { where + " does not exist: this host has no KVM (load kvm_intel or kvm_amd, or enable virtualization in the firmware or the outer hypervisor)" };
        if (errno == EACCES || errno == EPERM)
            return Error { "no permission to open " + where + ": add your user to the 'kvm' group (sudo usermod -aG kvm $USER, then log in again)" };
        return Error { "cannot open " + where + ": " + std::strerror(errno) };
    }

    int version = ioctl(system.fd(), KVM_GET_API_VERSION, 0);
    if (version < 0)
        return ioctl_error("KVM_GET_API_VERSION");
    if (version != KVM_API_VERSION)
        return Error { "KVM API version " + std::to_string(version) + " is not the supported " + std::to_string(KVM_API_VERSION) };

    static constexpr struct {
        long capability;
        const char* name;
    } required[] = {
        { KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
        { KVM_CAP_PIT2, "KVM_CAP_PIT2" },
        { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
        { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
        { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
        { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
    };
    for (auto& cap : required) {
        if (system.check_extension(cap.capability) <= 0)
            return Error { std::string("this host's KVM lacks ") + cap.name + ", which spicebox needs" };
    }

    int mmap_size = ioctl(system.fd(), KVM_GET_VCPU_MMAP_SIZE, 0);
    if (mmap_size <= 0)
        return ioctl_error("KVM_GET_VCPU_MMAP_SIZE");
    system.m_vcpu_mmap_size = size_t(mmap_size);

    // The entry count is not known in advance: grow until KVM stops answering E2BIG.
    for (unsigned count = 64; count <= 4096; count *= 2) {
        std::vector<uint8_t> buffer(sizeof(kvm_cpuid2) + count * sizeof(kvm_cpuid_entry2));
        auto* cpuid = reinterpret_cast<kvm_cpuid2*>(buffer.data());
        cpuid->nent = count;
        if (ioctl(system.fd(), KVM_GET_SUPPORTED_CPUID, cpuid) == 0) {
            system.m_supported_cpuid.assign(cpuid->entries, cpuid->entries + cpuid->nent);
            return system;
        }
        if (errno != E2BIG)
            return ioctl_error("KVM_GET_SUPPORTED_CPUID");
    }
    return Error { "KVM_GET_SUPPORTED_CPUID failed: too many entries" };
}

int KvmSystem::check_extension(long capability) const
{
    return ioctl(fd(), KVM_CHECK_EXTENSION, capability);
}

} // namespace spicebox
