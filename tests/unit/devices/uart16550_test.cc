#include "devices/uart16550.h"

#include <doctest/doctest.h>
#include <memory>
#include <vector>

using namespace spicebox;

namespace {

enum Reg : uint64_t { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

constexpr uint8_t mcr_dtr = 0x01, mcr_rts = 0x02, mcr_out1 = 0x04, mcr_out2 = 0x08, mcr_loop = 0x10;

struct Fixture {
    std::vector<bool> levels;
    std::vector<uint8_t> sent;
    Uart16550 uart { InterruptLine([this](bool level) { levels.push_back(level); }), [this](uint8_t byte) { sent.push_back(byte); } };

    uint8_t read(uint64_t offset)
    {
        uint8_t byte[1];
        uart.io_read(offset, byte);
        return byte[0];
    }
    void write(uint64_t offset, uint8_t value)
    {
        const uint8_t byte[1] = { value };
        uart.io_write(offset, byte);
    }
    size_t receive(std::vector<uint8_t> bytes) { return uart.receive(bytes); }
};

}

TEST_CASE("Uart16550 line status: transmitter always empty, DR follows received data")
{
    Fixture f;
    CHECK(f.read(LSR) == 0x60);
    CHECK(f.read(IIR) == 0x01);

    f.write(THR, 'h');
    f.write(THR, 'i');
    CHECK(f.sent == std::vector<uint8_t> { 'h', 'i' });
    CHECK(f.read(LSR) == 0x60);

    CHECK(f.receive({ 'x' }) == 1);
    CHECK(f.read(LSR) == 0x61);
    CHECK(f.read(RBR) == 'x');
    CHECK(f.read(LSR) == 0x60);
}

TEST_CASE("Uart16550 reports interrupt sources by priority")
{
    Fixture f;
    // Loopback lets the guest side create every source: modem deltas (DSR and DCD fall as the
    // host is disconnected), received data (its own transmission) and an overrun (a second byte
    // in 16450 mode).
    f.write(IER, 0x0F);
    f.write(MCR, mcr_loop | mcr_rts);
    f.write(THR, 'a');
    f.write(THR, 'b');
    CHECK(f.sent.empty());

    CHECK(f.read(IIR) == 0x06); // line status: overrun
    CHECK((f.read(LSR) & 0x02) == 0x02);
    CHECK(f.read(IIR) == 0x04); // received data
    CHECK(f.read(RBR) == 'b');  // the second byte destroyed the first
    CHECK(f.read(IIR) == 0x02); // THR empty, acknowledged by this very read
    CHECK(f.read(IIR) == 0x00); // modem status
    CHECK(f.read(MSR) == 0x1A); // CTS (from RTS), deltas of DSR and DCD
    CHECK(f.read(IIR) == 0x01);
}

TEST_CASE("Uart16550 THRE interrupt: raised by enabling, acknowledged by IIR, re-raised by THR writes")
{
    Fixture f;
    f.write(MCR, mcr_out2);
    CHECK(f.levels.empty());

    f.write(IER, 0x02);
    CHECK(f.levels == std::vector<bool> { true });
    CHECK(f.read(IIR) == 0x02);
    CHECK(f.levels == std::vector<bool> { true, false });
    CHECK(f.read(IIR) == 0x01);

    // Rewriting IER with ETBEI already set does not raise it again.
    f.write(IER, 0x02);
    CHECK(f.levels.size() == 2);

    // Each byte written gives a fresh edge, even when the interrupt was still pending.
    f.write(THR, '1');
    CHECK(f.levels == std::vector<bool> { true, false, true });
    f.write(THR, '2');
    CHECK(f.levels == std::vector<bool> { true, false, true, false, true });

    // Disabling the source drops the line.
    f.write(IER, 0x00);
    CHECK(f.levels.back() == false);
    CHECK(f.read(IIR) == 0x01);
}

TEST_CASE("Uart16550 FIFO: capacity, trigger level, timeout indication, clearing, overrun")
{
    Fixture f;
    f.write(FCR, 0x81); // FIFO on, trigger level 8
    f.write(IER, 0x01);
    CHECK(f.read(IIR) == 0xC1);

    CHECK(f.receive({ 1, 2, 3 }) == 3);
    CHECK(f.read(IIR) == 0xCC); // below the trigger level: character timeout
    CHECK(f.receive({ 4, 5, 6, 7, 8 }) == 5);
    CHECK(f.read(IIR) == 0xC4); // at the trigger level: data available

    std::vector<uint8_t> many(20, 0x55);
    CHECK(f.uart.rx_space() == 8);
    CHECK(f.receive(many) == 8);
    CHECK(f.uart.rx_space() == 0);
    CHECK(f.receive(many) == 0);
    CHECK(f.read(RBR) == 1);
    CHECK(f.read(RBR) == 2);
    CHECK(f.uart.rx_space() == 2);

    f.write(FCR, 0x83); // clear RX
    CHECK(f.read(LSR) == 0x60);
    CHECK(f.uart.rx_space() == Uart16550::fifo_size);

    // Loopback into a full FIFO: the new byte is lost and OE is set (and cleared by reading LSR).
    f.write(MCR, mcr_loop);
    for (uint8_t i = 0; i < Uart16550::fifo_size + 1; ++i)
        f.write(THR, i);
    CHECK(f.read(LSR) == 0x63);
    CHECK(f.read(LSR) == 0x61);
    CHECK(f.read(RBR) == 0);
    for (size_t i = 1; i < Uart16550::fifo_size; ++i)
        CHECK(f.read(RBR) == i);
    CHECK(f.read(LSR) == 0x60);

    // Turning the FIFO off empties it and leaves a one-byte receiver.
    f.write(MCR, 0);
    CHECK(f.receive({ 9 }) == 1);
    f.write(FCR, 0x00);
    CHECK(f.read(LSR) == 0x60);
    CHECK(f.receive({ 7, 7 }) == 1);
    CHECK(f.read(IIR) == 0x04);
}

TEST_CASE("Uart16550 loopback: output looped to input, modem lines mapped, host input refused")
{
    Fixture f;
    CHECK(f.read(MSR) == 0xB0); // CTS, DSR, DCD from the always-ready host
    f.write(MCR, mcr_loop | mcr_dtr | mcr_rts | mcr_out1 | mcr_out2);
    // DCD DSR CTS stay on (no delta) and RI rises; leaving loopback later drops RI (trailing edge).
    CHECK(f.read(MSR) == 0xF0);
    CHECK(f.uart.rx_space() == 0);
    CHECK(f.receive({ 'z' }) == 0);

    f.write(THR, 'q');
    CHECK(f.sent.empty());
    CHECK(f.read(RBR) == 'q');

    f.write(MCR, mcr_loop | mcr_out1);
    CHECK(f.read(MSR) == 0x4B); // RI still on; CTS, DSR, DCD fell
    f.write(MCR, mcr_loop);
    CHECK(f.read(MSR) == 0x04); // trailing edge of RI
    f.write(MCR, 0);
    f.write(THR, 'w');
    CHECK(f.sent == std::vector<uint8_t> { 'w' });
}

TEST_CASE("Uart16550 DLAB switches offsets 0 and 1 to the divisor latch")
{
    Fixture f;
    f.write(IER, 0x05);
    f.write(LCR, 0x83);
    f.write(DLL, 0x01);
    f.write(DLM, 0x02);
    CHECK(f.read(DLL) == 0x01);
    CHECK(f.read(DLM) == 0x02);
    CHECK(f.sent.empty());
    f.write(LCR, 0x03);
    CHECK(f.read(LCR) == 0x03);
    CHECK(f.read(IER) == 0x05);
    f.write(SCR, 0xA5);
    CHECK(f.read(SCR) == 0xA5);
}

TEST_CASE("Uart16550 interrupt line: gated by OUT2 and pushed only on changes")
{
    Fixture f;
    f.write(FCR, 0x01);
    f.write(IER, 0x01);
    CHECK(f.receive({ 'a', 'b' }) == 2);
    CHECK(f.levels.empty()); // OUT2 off: the PC's IRQ buffer is disabled
    f.write(MCR, mcr_out2);
    CHECK(f.levels == std::vector<bool> { true });
    f.write(SCR, 0);
    CHECK(f.read(RBR) == 'a');
    CHECK(f.levels.size() == 1);
    CHECK(f.read(RBR) == 'b');
    CHECK(f.levels == std::vector<bool> { true, false });
    // Loopback forces OUT2 inactive: the line stays low even with data waiting.
    f.write(MCR, mcr_out2 | mcr_loop);
    f.write(THR, 'c');
    CHECK(f.read(IIR) == 0xC4);
    CHECK(f.levels.size() == 2);
}

TEST_CASE("Uart16550 wide accesses reach consecutive registers; the sink may feed input back")
{
    std::unique_ptr<Uart16550> uart;
    uart = std::make_unique<Uart16550>(InterruptLine(), [&uart](uint8_t byte) {
        const uint8_t echo[1] = { byte };
        CHECK(uart->receive(echo) == 1);
    });
    const uint8_t word[2] = { 'e', 0x01 }; // THR then IER
    uart->io_write(0, word);
    uint8_t back[2];
    uart->io_read(0, back);
    CHECK(back[0] == 'e');
    CHECK(back[1] == 0x01);
}
