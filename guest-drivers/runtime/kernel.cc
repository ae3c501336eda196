// Ring 0's C++ half: every interrupt gate lands here through entry.S. This code runs emulated at
// about a million instructions per second on PVM hosts, so it does the minimum and returns.
#include "runtime/io.h"
#include "runtime/irq.h"
#include "runtime/print.h"
#include "runtime/syscall.h"

#include <stdint.h>

namespace spicebox::guest {

// The stack as entry.S leaves it: the registers it saved, the vector and error code (0 when the
// CPU pushes none), then the CPU's interrupt frame.
struct InterruptFrame {
    uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss;
};

namespace {

constexpr uint64_t page_fault_vector = 14;

namespace pic {
constexpr uint16_t master_command = 0x20;
constexpr uint16_t slave_command = 0xA0;
constexpr uint8_t end_of_interrupt = 0x20;
}

constexpr uintptr_t lapic_eoi_register = 0xFEE000B0;

[[noreturn]] void stop(uint8_t status)
{
    outb(ports::debug_exit, status);
    for (;;)
        asm volatile("cli; hlt");
}

[[noreturn]] void report_exception(const InterruptFrame& frame)
{
    uint64_t fault_address = 0;
    if (frame.vector == page_fault_vector)
        asm volatile("mov %%cr2, %0" : "=r"(fault_address));
    printf("runtime: CPU exception %lu (error 0x%lx) at rip 0x%lx cs 0x%lx rsp 0x%lx cr2 0x%lx\n",
        frame.vector, frame.error_code, frame.rip, frame.cs, frame.rsp, fault_address);
    printf("runtime: rax 0x%lx rcx 0x%lx rdx 0x%lx rsi 0x%lx rdi 0x%lx rflags 0x%lx\n", frame.rax, frame.rcx, frame.rdx,
        frame.rsi, frame.rdi, frame.rflags);
    stop(uint8_t(ExitStatus::CpuException));
}

uint64_t spin(uint64_t iterations)
{
    if (iterations == 0)
        return 0;
    uint64_t start = rdtsc();
    asm volatile("1: dec %0; jnz 1b" : "+r"(iterations));
    return rdtsc() - start;
}

void handle_syscall(InterruptFrame& frame)
{
    switch (Syscall(frame.rax)) {
    case Syscall::Exit:
        stop(uint8_t(frame.rdi));
    case Syscall::HaltUntilInterrupt:
        // Interrupts are off in here (an interrupt gate), so the count cannot change between the
        // test and the HLT, which STI's one-instruction shadow keeps before any delivery.
        if (g_irq_table.total == frame.rdi)
            asm volatile("sti; hlt; cli" : : : "memory");
        frame.rax = g_irq_table.total;
        return;
    case Syscall::SpinInRing0:
        frame.rax = spin(frame.rdi);
        return;
    }
    printf("runtime: unknown system call %lu at rip 0x%lx\n", frame.rax, frame.rip);
    stop(uint8_t(ExitStatus::UnknownSyscall));
}

void handle_irq(unsigned vector)
{
    g_irq_table.counts[vector] = g_irq_table.counts[vector] + 1;
    g_irq_table.total = g_irq_table.total + 1;
    switch (g_irq_table.eoi[vector]) {
    case IrqEoi::None:
        break;
    case IrqEoi::PicSlave:
        outb(pic::slave_command, pic::end_of_interrupt);
        outb(pic::master_command, pic::end_of_interrupt);
        break;
    case IrqEoi::PicMaster:
        outb(pic::master_command, pic::end_of_interrupt);
        break;
    case IrqEoi::Lapic:
        *reinterpret_cast<volatile uint32_t*>(lapic_eoi_register) = 0;
        break;
    }
}

}

extern "C" void runtime_interrupt(InterruptFrame& frame)
{
    if (frame.vector == syscall_vector)
        handle_syscall(frame);
    else if (frame.vector < first_irq_vector)
        report_exception(frame);
    else
        handle_irq(unsigned(frame.vector));
}

}
