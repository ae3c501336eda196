// Port I/O, the time-stamp counter and the current privilege level, as inline instructions.
// Ring 3 may use the port instructions because the runtime enters it with IOPL 3.
#pragma once

#include <stdint.h>

namespace spicebox::guest {

// The fixed ports of the spicebox machine (and of a PC) that the runtime itself uses.
namespace ports {
constexpr uint16_t com1 = 0x3F8;
constexpr uint16_t post = 0x80;
constexpr uint16_t debug_exit = 0x501;
}

inline void outb(uint16_t port, uint8_t value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port) : "memory"); }
inline void outw(uint16_t port, uint16_t value) { asm volatile("outw %0, %1" : : "a"(value), "Nd"(port) : "memory"); }
inline void outl(uint16_t port, uint32_t value) { asm volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory"); }

inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

inline uint16_t inw(uint16_t port)
{
    uint16_t value;
    asm volatile("inw %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

inline uint32_t inl(uint16_t port)
{
    uint32_t value;
    asm volatile("inl %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

inline uint64_t rdtsc()
{
    uint32_t low;
    uint32_t high;
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    return (uint64_t(high) << 32) | low;
}

// The privilege level the caller runs at: the low two bits of CS.
inline unsigned current_privilege_level()
{
    uint16_t cs;
    asm volatile("mov %%cs, %0" : "=r"(cs));
    return cs & 3;
}

}
