#include "devices/uart16550.h"

#include <algorithm>

namespace spicebox {

namespace {

// Register offsets from the base port; DLAB (LCR bit 7) turns 0 and 1 into the divisor latch.
enum class Register : uint64_t {
    Data = 0,            // RBR on read, THR on write, DLL with DLAB
    InterruptEnable = 1, // IER, DLM with DLAB
    InterruptId = 2,     // IIR on read, FCR on write
    LineControl = 3,
    ModemControl = 4,
    LineStatus = 5,
    ModemStatus = 6,
    Scratch = 7,
};
constexpr uint64_t register_count = 8;

namespace ier {
constexpr uint8_t rx_data = 0x01;
constexpr uint8_t thr_empty = 0x02;
constexpr uint8_t line_status = 0x04;
constexpr uint8_t modem_status = 0x08;
constexpr uint8_t writable = 0x0F;
}

// IIR identification codes, highest priority first; bit 0 set means "nothing pending".
namespace iir {
constexpr uint8_t line_status = 0x06;
constexpr uint8_t rx_data = 0x04;
constexpr uint8_t rx_timeout = 0x0C;
constexpr uint8_t thr_empty = 0x02;
constexpr uint8_t modem_status = 0x00;
constexpr uint8_t none = 0x01;
constexpr uint8_t fifos_enabled = 0xC0;
}

namespace fcr {
constexpr uint8_t enable = 0x01;
constexpr uint8_t clear_rx = 0x02;
constexpr uint8_t trigger_shift = 6;
constexpr uint8_t stored = 0xC1; // enable + trigger level; the clear bits self-clear
}

namespace lcr {
constexpr uint8_t dlab = 0x80;
}

namespace mcr {
constexpr uint8_t dtr = 0x01;
constexpr uint8_t rts = 0x02;
constexpr uint8_t out1 = 0x04;
constexpr uint8_t out2 = 0x08;
constexpr uint8_t loop = 0x10;
constexpr uint8_t writable = 0x1F;
}

namespace lsr {
constexpr uint8_t data_ready = 0x01;
constexpr uint8_t overrun = 0x02;
constexpr uint8_t thr_empty = 0x20;
constexpr uint8_t transmitter_empty = 0x40;
}

namespace msr {
constexpr uint8_t delta_cts = 0x01;
constexpr uint8_t delta_dsr = 0x02;
constexpr uint8_t trailing_ri = 0x04;
constexpr uint8_t delta_dcd = 0x08;
constexpr uint8_t cts = 0x10;
constexpr uint8_t dsr = 0x20;
constexpr uint8_t ri = 0x40;
constexpr uint8_t dcd = 0x80;
}

constexpr std::array<size_t, 4> rx_trigger_levels = { 1, 4, 8, 14 };

} // namespace

Uart16550::Uart16550(InterruptLine interrupt, std::function<void(uint8_t)> output)
    : m_interrupt(std::move(interrupt))
    , m_output(std::move(output))
{
}

void Uart16550::io_read(uint64_t offset, std::span<uint8_t> data)
{
    std::lock_guard lock(m_mutex);
    // A wider access reaches consecutive registers, as an ISA bus splits it into byte cycles.
    for (size_t i = 0; i < data.size(); ++i) {
        data[i] = read_register(offset + i);
        update_interrupt();
    }
}

void Uart16550::io_write(uint64_t offset, std::span<const uint8_t> data)
{
    std::vector<uint8_t> output;
    {
        std::lock_guard lock(m_mutex);
        for (size_t i = 0; i < data.size(); ++i) {
            write_register(offset + i, data[i], output);
            update_interrupt();
        }
    }
    if (m_output) {
        for (uint8_t byte : output)
            m_output(byte);
    }
}

size_t Uart16550::receive(std::span<const uint8_t> bytes)
{
    std::lock_guard lock(m_mutex);
    if (m_mcr & mcr::loop)
        return 0;
    size_t accepted = std::min(bytes.size(), rx_capacity() - m_rx_count);
    for (size_t i = 0; i < accepted; ++i)
        push_rx(bytes[i]);
    update_interrupt();
    return accepted;
}

size_t Uart16550::rx_space() const
{
    std::lock_guard lock(m_mutex);
    if (m_mcr & mcr::loop)
        return 0;
    return rx_capacity() - m_rx_count;
}

uint8_t Uart16550::read_register(uint64_t offset)
{
    if (offset >= register_count)
        return 0xFF;
    bool dlab = m_lcr & lcr::dlab;
    switch (Register(offset)) {
    case Register::Data: {
        if (dlab)
            return m_dll;
        if (m_rx_count == 0)
            return 0;
        uint8_t byte = m_rx_fifo[m_rx_head];
        m_rx_head = (m_rx_head + 1) % fifo_size;
        --m_rx_count;
        return byte;
    }
    case Register::InterruptEnable:
        return dlab ? m_dlm : m_ier;
    case Register::InterruptId: {
        uint8_t id = interrupt_identification();
        // Reading IIR acknowledges a THRE interrupt, but only when it is the one reported.
        if (id == iir::thr_empty)
            m_thr_interrupt = false;
        return id | ((m_fcr & fcr::enable) ? iir::fifos_enabled : 0);
    }
    case Register::LineControl:
        return m_lcr;
    case Register::ModemControl:
        return m_mcr;
    case Register::LineStatus: {
        uint8_t value = lsr::thr_empty | lsr::transmitter_empty | m_lsr_errors;
        if (m_rx_count > 0)
            value |= lsr::data_ready;
        m_lsr_errors = 0;
        return value;
    }
    case Register::ModemStatus: {
        uint8_t value = modem_inputs() | m_msr_deltas;
        m_msr_deltas = 0;
        return value;
    }
    case Register::Scratch:
        return m_scr;
    }
    return 0xFF;
}

void Uart16550::write_register(uint64_t offset, uint8_t value, std::vector<uint8_t>& output)
{
    if (offset >= register_count)
        return;
    bool dlab = m_lcr & lcr::dlab;
    switch (Register(offset)) {
    case Register::Data:
        if (dlab) {
            m_dll = value;
        } else {
            // Loading THR withdraws the THRE interrupt; the byte leaves at once and THR is empty
            // again, which raises it anew. The line therefore falls and rises, giving the
            // edge-triggered PIC a fresh edge per byte, as the real chip does one byte time later.
            m_thr_interrupt = false;
            update_interrupt();
            transmit(value, output);
            m_thr_interrupt = true;
        }
        return;
    case Register::InterruptEnable:
        if (dlab) {
            m_dlm = value;
        } else {
            uint8_t enabled = value & ier::writable;
            // Enabling the THRE interrupt while THR is empty (always, here) raises it.
            if ((enabled & ier::thr_empty) && !(m_ier & ier::thr_empty))
                m_thr_interrupt = true;
            m_ier = enabled;
        }
        return;
    case Register::InterruptId:
        write_fcr(value);
        return;
    case Register::LineControl:
        m_lcr = value;
        return;
    case Register::ModemControl:
        write_mcr(value);
        return;
    case Register::LineStatus:
    case Register::ModemStatus:
        return; // read-only (factory test registers on some parts)
    case Register::Scratch:
        m_scr = value;
        return;
    }
}

void Uart16550::transmit(uint8_t byte, std::vector<uint8_t>& output)
{
    if (m_mcr & mcr::loop)
        push_rx(byte);
    else
        output.push_back(byte);
}

void Uart16550::push_rx(uint8_t byte)
{
    if (m_rx_count == rx_capacity()) {
        m_lsr_errors |= lsr::overrun;
        // In 16450 mode the new character destroys the unread one; with FIFOs the new one is lost.
        if (!(m_fcr & fcr::enable))
            m_rx_fifo[m_rx_head] = byte;
        return;
    }
    m_rx_fifo[(m_rx_head + m_rx_count) % fifo_size] = byte;
    ++m_rx_count;
}

void Uart16550::write_fcr(uint8_t value)
{
    // Switching FIFO mode on or off empties the FIFOs; the other bits only take with bit 0 set.
    if ((value ^ m_fcr) & fcr::enable) {
        m_rx_head = 0;
        m_rx_count = 0;
    }
    if (!(value & fcr::enable)) {
        m_fcr = 0;
        return;
    }
    if (value & fcr::clear_rx) {
        m_rx_head = 0;
        m_rx_count = 0;
    }
    // Clearing the TX FIFO has nothing to do: transmission is immediate.
    m_fcr = value & fcr::stored;
}

void Uart16550::write_mcr(uint8_t value)
{
    uint8_t before = modem_inputs();
    m_mcr = value & mcr::writable;
    uint8_t changed = before ^ modem_inputs();
    if (changed & msr::cts)
        m_msr_deltas |= msr::delta_cts;
    if (changed & msr::dsr)
        m_msr_deltas |= msr::delta_dsr;
    if (changed & msr::dcd)
        m_msr_deltas |= msr::delta_dcd;
    if ((changed & msr::ri) && (before & msr::ri))
        m_msr_deltas |= msr::trailing_ri;
}

size_t Uart16550::rx_capacity() const
{
    return (m_fcr & fcr::enable) ? fifo_size : 1;
}

uint8_t Uart16550::modem_inputs() const
{
    if (!(m_mcr & mcr::loop)) {
        // The host side is a terminal that is always there and ready.
        return msr::cts | msr::dsr | msr::dcd;
    }
    uint8_t inputs = 0;
    if (m_mcr & mcr::rts)
        inputs |= msr::cts;
    if (m_mcr & mcr::dtr)
        inputs |= msr::dsr;
    if (m_mcr & mcr::out1)
        inputs |= msr::ri;
    if (m_mcr & mcr::out2)
        inputs |= msr::dcd;
    return inputs;
}

uint8_t Uart16550::interrupt_identification() const
{
    if ((m_ier & ier::line_status) && m_lsr_errors)
        return iir::line_status;
    if ((m_ier & ier::rx_data) && m_rx_count > 0) {
        if (!(m_fcr & fcr::enable))
            return iir::rx_data;
        // Without character timing, data below the trigger level is reported as the timeout
        // interrupt straight away: host input arrives in bursts, and the burst has ended.
        size_t trigger = rx_trigger_levels[m_fcr >> fcr::trigger_shift];
        return m_rx_count >= trigger ? iir::rx_data : iir::rx_timeout;
    }
    if ((m_ier & ier::thr_empty) && m_thr_interrupt)
        return iir::thr_empty;
    if ((m_ier & ier::modem_status) && m_msr_deltas)
        return iir::modem_status;
    return iir::none;
}

void Uart16550::update_interrupt()
{
    bool gate_open = (m_mcr & mcr::out2) && !(m_mcr & mcr::loop);
    bool level = gate_open && interrupt_identification() != iir::none;
    if (level == m_line_level)
        return;
    m_line_level = level;
    m_interrupt.set_level(level);
}

} // namespace spicebox
