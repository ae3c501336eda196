// The default guest: greets on the serial console from ring 3, says how it was booted and how much
// RAM its memory map lists, and passes.
// Command-line options exercise the rest of the console and power paths for the integration tests:
//   hello.echo=N     read N bytes from COM1, interrupt-driven (8259 IRQ 4), and print them back
//   hello.exit=reset end the run through the i8042 reset line instead of the debug-exit port
#include "runtime/runtime.h"

namespace spicebox::guest {

namespace {

// 8259 pair: ICW1-ICW4 put the master's IRQs at vectors 0x20.. and the slave's at 0x28..
namespace pic {
constexpr uint16_t master_command = 0x20, master_data = 0x21, slave_command = 0xA0, slave_data = 0xA1;
constexpr uint8_t icw1_init_with_icw4 = 0x11, icw4_8086 = 0x01;
constexpr uint8_t master_base = 0x20, slave_base = 0x28, cascade_irq = 2;
}

namespace uart {
constexpr uint16_t data = ports::com1, interrupt_enable = ports::com1 + 1, modem_control = ports::com1 + 4,
                   line_status = ports::com1 + 5;
constexpr uint8_t ier_rx_available = 0x01, mcr_out2 = 0x08, lsr_data_ready = 0x01;
constexpr unsigned irq = 4;
}

constexpr uint16_t i8042_command = 0x64;
constexpr uint8_t i8042_pulse_reset = 0xFE;

void enable_serial_interrupt()
{
    outb(pic::master_command, pic::icw1_init_with_icw4);
    outb(pic::slave_command, pic::icw1_init_with_icw4);
    outb(pic::master_data, pic::master_base);
    outb(pic::slave_data, pic::slave_base);
    outb(pic::master_data, 1 << pic::cascade_irq);
    outb(pic::slave_data, pic::cascade_irq);
    outb(pic::master_data, pic::icw4_8086);
    outb(pic::slave_data, pic::icw4_8086);
    outb(pic::master_data, uint8_t(~(1u << uart::irq)));
    outb(pic::slave_data, 0xFF);
    irq_register(pic::master_base + uart::irq, IrqEoi::PicMaster);
    outb(uart::modem_control, uart::mcr_out2);
    outb(uart::interrupt_enable, uart::ier_rx_available);
}

void echo(uint64_t count)
{
    enable_serial_interrupt();
    char line[128];
    uint64_t received = 0;
    while (received < count) {
        uint64_t seen = irq_total();
        while (received < count && (inb(uart::line_status) & uart::lsr_data_ready)) {
            char byte = char(inb(uart::data));
            if (received < sizeof line - 1)
                line[received] = byte;
            ++received;
        }
        if (received < count)
            halt_until_interrupt(seen);
    }
    line[received < sizeof line - 1 ? received : sizeof line - 1] = 0;
    printf("hello: read '%s' after %u serial interrupts\n", line, unsigned(irq_count(pic::master_base + uart::irq)));
}

}

int guest_main(const BootInfo& boot)
{
    print("Hello from the spicebox hello guest!\n");
    unsigned ring = current_privilege_level();
    printf("hello: running in ring %u\n", ring);
    if (ring != 3)
        return int(ExitStatus::Failed);

    if (boot.protocol == BootProtocol::Pvh && !boot.start_info.valid()) {
        printf("hello: the PVH start info at 0x%lx has no magic\n", boot.start_info.address());
        return int(ExitStatus::Failed);
    }
    uint64_t ram = 0;
    for (size_t i = 0; i < boot.memory_map_count(); ++i) {
        E820Entry entry = boot.memory_map_entry(i);
        if (entry.type == uint32_t(E820Type::Ram))
            ram += entry.size;
    }
    printf("hello: booted by %s, %lu KiB of RAM in the memory map\n",
        boot.protocol == BootProtocol::Pvh ? "PVH" : "the Linux 64-bit boot protocol", ram >> 10);

    StringView command_line = boot.command_line();
    if (auto echo_count = find_parameter(command_line, "hello.echo"); echo_count.found) {
        uint64_t count = 0;
        if (!parse_unsigned(echo_count.value, 10, count))
            return int(ExitStatus::Failed);
        echo(count);
    }
    if (find_parameter(command_line, "hello.exit").value == StringView("reset")) {
        print("hello: resetting through the i8042\n");
        outb(i8042_command, i8042_pulse_reset);
        print("hello: the reset line did not end the run\n");
        return int(ExitStatus::Failed);
    }
    return int(ExitStatus::Passed);
}

}
