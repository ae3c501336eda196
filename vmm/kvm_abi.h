// <linux/kvm.h>, made right for C++. Debian 12's uapi headers declare flexible arrays through an anonymous
// struct holding an empty struct, which has size 1 in C++ (0 in C): every array moves 4 bytes and the ioctl
// numbers that encode struct sizes (KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2, KVM_SET_MSRS,
// KVM_SET_GSI_ROUTING) come out wrong. Later kernels fix the macro for C++ in the same way as here.
// Include this instead of <linux/kvm.h>.
#pragma once

#include <linux/stddef.h>
#undef __DECLARE_FLEX_ARRAY
#define __DECLARE_FLEX_ARRAY(TYPE, NAME) TYPE NAME[0]
#include <linux/kvm.h>

static_assert(sizeof(kvm_cpuid2) == 8 && sizeof(kvm_msrs) == 8 && sizeof(kvm_irq_routing) == 8,
    "<linux/kvm.h> was included before vmm/kvm_abi.h");
