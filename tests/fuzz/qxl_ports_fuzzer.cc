// The QXL card's port state machine against hostile BAR memory: a program of port writes, writes into
// BAR0 (the RAM header with its rings included) and BAR1, ring pushes, worker passes and resets, on a
// card whose commands are rendered by the real canvas. Any crash, hang or sanitizer report is a bug.
#include "base/log.h"
#include "qxl/qxl_device.h"
#include "spice-common/canvas_sink.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_programs.h"

#include <cstring>

using namespace spicebox;
using namespace spicebox::fuzz;

namespace {

class NoMapper final : public PciBarMapper {
public:
    void bar_mapped(PciDevice&, int, const PciBarInfo&, uint64_t) override { }
    void bar_unmapped(PciDevice&, int, const PciBarInfo&, uint64_t) override { }
};

void config_write32(PciDevice& device, uint8_t offset, uint32_t value)
{
    uint8_t bytes[4];
    std::memcpy(bytes, &value, sizeof bytes);
    device.config_write(offset, bytes);
}

void write_wrapped(std::span<uint8_t> memory, uint64_t offset, std::span<const uint8_t> data)
{
    offset %= memory.size();
    size_t count = std::min<size_t>(data.size(), memory.size() - offset);
    std::memcpy(memory.data() + offset, data.data(), count);
}

// A guest-side push: the item at prod, then prod + 1 (the device validates the indices it reads;
// num_items may be garbage here, so the ring's real capacity places the item).
template<typename Ring>
void push(Ring& ring, QXLCommand command)
{
    ring.items[ring.prod % std::size(ring.items)].el = command;
    ++ring.prod;
}

}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    set_log_level(LogLevel::Error);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzInput input(data, size);
    CanvasSink sink;
    NoMapper mapper;
    QxlConfig config { .ram_size = qxl_bench::ram_size, .vram_size = qxl_bench::vram_size, .vgamem_size = qxl_bench::vgamem_size,
        .surfaces = qxl_bench::surfaces, .id = 0 };
    auto device = QxlDevice::create(config, sink).value();
    device->set_bar_mapper(&mapper);
    device->set_interrupt(InterruptLine([](bool) { }), 10);
    config_write32(*device, 0x10, uint32_t(qxl_bench::ram_address));
    config_write32(*device, 0x14, uint32_t(qxl_bench::vram_address));
    config_write32(*device, 0x18, uint32_t(qxl_bench::rom_address));
    config_write32(*device, 0x1C, qxl_bench::io_address);
    config_write32(*device, 0x04, 0x3); // I/O and memory decode

    auto header = device->ram().subspan(device->layout().ram_header_offset, device->layout().ram_header_size);
    auto& ram = *reinterpret_cast<QXLRam*>(header.data());
    // Each program is bounded by its length; the worker budget bounds each pass.
    while (!input.at_end()) {
        switch (QxlPortsOp(input.u8() % uint8_t(QxlPortsOp::Count))) {
        case QxlPortsOp::PortWrite: {
            uint8_t port = input.u8();
            device->port_write(port, input.u8());
            break;
        }
        case QxlPortsOp::WriteRam: {
            uint32_t offset = input.u32();
            write_wrapped(device->ram(), offset, input.bytes(input.u16()));
            break;
        }
        case QxlPortsOp::WriteHeader: {
            uint16_t offset = input.u16();
            write_wrapped(header.first(sizeof(QXLRam)), offset, input.bytes(input.u16()));
            break;
        }
        case QxlPortsOp::WriteVram: {
            uint32_t offset = input.u32();
            write_wrapped(device->vram(), offset, input.bytes(input.u16()));
            break;
        }
        case QxlPortsOp::PushCommand: {
            bool command_ring = input.u8() == 0;
            QXLCommand command {};
            command.data = input.u64();
            command.type = input.u32();
            if (command_ring)
                push(ram.cmd_ring, command);
            else
                push(ram.cursor_ring, command);
            break;
        }
        case QxlPortsOp::ProcessRings:
            device->process_rings();
            break;
        case QxlPortsOp::Reset:
            device->reset();
            break;
        case QxlPortsOp::Count:
            break;
        }
    }
    Framebuffer screen;
    (void)sink.screenshot(screen, true);
    return 0;
}
