// A 16550A UART (the PC's COM1: base 0x3F8, eight registers, IRQ 4), driven register by register.
//
// Transmit is immediate: a THR write hands the byte to the output sink at once, so THRE and TEMT
// always read as set. The RX side is a 16-byte FIFO (one byte in 16450 mode, FIFO off) fed by
// `receive()` with host input, or by the transmitter in loopback mode, where a full FIFO overruns.
// The interrupt line follows the PC wiring: it is the "interrupt pending" output gated by MCR.OUT2,
// and, as on a real chip, loopback forces the OUT2 pin inactive so the line stays low.
// Not modelled: baud-rate timing (the divisor is stored only), parity/framing/break errors, DMA mode.
//
// Threads: register accesses come from vCPU threads and `receive()` from the event loop; one
// mutex guards the state. The interrupt line is set while that mutex is held (so levels reach
// the interrupt controller in the order they were computed); it must not call back into the UART.
// The output sink runs after the mutex is released, so it may call `receive()` (an echo).
#pragma once

#include "devices/io_device.h"
#include "vmm/interrupt_line.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

namespace spicebox {

class Uart16550 final : public IoDevice {
public:
    static constexpr size_t fifo_size = 16;

    Uart16550(InterruptLine interrupt, std::function<void(uint8_t)> output);

    void io_read(uint64_t offset, std::span<uint8_t> data) override;
    void io_write(uint64_t offset, std::span<const uint8_t> data) override;
    std::string_view io_name() const override { return "uart16550"; }

    // Host input (stdin). Returns how many leading bytes were taken; the rest did not fit (the
    // caller keeps them and retries once the guest has read some). Takes nothing in loopback mode,
    // where the receiver is disconnected from the line.
    size_t receive(std::span<const uint8_t> bytes);
    size_t rx_space() const;

private:
    uint8_t read_register(uint64_t offset);
    void write_register(uint64_t offset, uint8_t value, std::vector<uint8_t>& output);
    void transmit(uint8_t byte, std::vector<uint8_t>& output);
    void push_rx(uint8_t byte);
    void write_fcr(uint8_t value);
    void write_mcr(uint8_t value);
    size_t rx_capacity() const;
    uint8_t modem_inputs() const;
    uint8_t interrupt_identification() const;
    void update_interrupt();

    mutable std::mutex m_mutex;
    InterruptLine m_interrupt;
    std::function<void(uint8_t)> m_output;

    std::array<uint8_t, fifo_size> m_rx_fifo {};
    size_t m_rx_head { 0 };
    size_t m_rx_count { 0 };

    uint8_t m_ier { 0 };
    uint8_t m_fcr { 0 };
    uint8_t m_lcr { 0 };
    uint8_t m_mcr { 0 };
    uint8_t m_lsr_errors { 0 };
    uint8_t m_msr_deltas { 0 };
    uint8_t m_scr { 0 };
    uint8_t m_dll { 0 };
    uint8_t m_dlm { 0 };
    bool m_thr_interrupt { false };
    bool m_line_level { false };
};

} // namespace spicebox
