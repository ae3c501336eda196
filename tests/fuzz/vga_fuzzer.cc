// The VGA core (registers, planar memory window, Bochs VBE, renderers) driven through its port and
// window faces as a guest would, with the picture refreshed and rendered along the way: register
// sequences must never make a render read outside video memory, whatever the mode they describe.
#include "base/log.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_programs.h"
#include "vga/vga_core.h"

#include <array>
#include <cstring>

using namespace spicebox;
using namespace spicebox::fuzz;

namespace {

constexpr std::array<size_t, 3> memory_sizes { 256 * 1024, 1 << 20, 16 << 20 };
constexpr std::array<size_t, 3> access_sizes { 1, 2, 4 };
// Bounds on the slow steps, so that random inputs run fast enough to explore: a 2560x1600 frame
// takes tens of milliseconds under ASan, and each window byte is one locked register access.
constexpr unsigned max_refreshes = 4;
constexpr uint32_t max_window_run = 16384;

size_t access_size(uint8_t selector) { return access_sizes[selector % access_sizes.size()]; }

void port_write(IoDevice& device, uint64_t offset, size_t size, uint32_t value)
{
    uint8_t bytes[4];
    std::memcpy(bytes, &value, sizeof bytes);
    device.io_write(offset, { bytes, size });
}

void port_read(IoDevice& device, uint64_t offset, size_t size)
{
    uint8_t bytes[4];
    device.io_read(offset, { bytes, size });
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
    auto memory = VideoMemory::allocate(memory_sizes[input.u8() % memory_sizes.size()]).value();
    auto core = VgaCore::create(memory).value();
    bool dirty_log_knows = false;
    core->set_dirty_log([&](std::span<uint64_t> bitmap) {
        if (dirty_log_knows)
            bitmap[0] |= 1;
        return dirty_log_knows;
    });
    auto ports = core->vga_ports();
    auto vbe = core->vbe_ports();
    auto window = core->vga_window();
    Framebuffer updated;
    Framebuffer rendered;
    unsigned refreshes = 0;
    while (!input.at_end()) {
        switch (VgaOp(input.u8() % uint8_t(VgaOp::Count))) {
        case VgaOp::PortWrite: {
            uint8_t offset = input.u8() % vga_port_count;
            size_t bytes = access_size(input.u8());
            port_write(*ports, offset, bytes, input.u32());
            break;
        }
        case VgaOp::PortRead: {
            uint8_t offset = input.u8() % vga_port_count;
            port_read(*ports, offset, access_size(input.u8()));
            break;
        }
        case VgaOp::VbeWrite: {
            uint8_t offset = input.u8() % vbe_port_count;
            size_t bytes = access_size(input.u8());
            port_write(*vbe, offset, bytes, input.u32());
            break;
        }
        case VgaOp::VbeRead: {
            uint8_t offset = input.u8() % vbe_port_count;
            port_read(*vbe, offset, access_size(input.u8()));
            break;
        }
        case VgaOp::WindowWrite: {
            uint32_t offset = input.u32() % vga_window_size;
            uint32_t count = std::min<uint32_t>(input.u16(), max_window_run);
            uint8_t value = input.u8();
            for (uint32_t i = 0; i < count && offset + i < vga_window_size; ++i)
                port_write(*window, offset + i, 1, value);
            break;
        }
        case VgaOp::WindowRead: {
            uint32_t offset = input.u32() % vga_window_size;
            uint32_t count = std::min<uint32_t>(input.u16(), max_window_run);
            for (uint32_t i = 0; i < count && offset + i < vga_window_size; ++i)
                port_read(*window, offset + i, 1);
            break;
        }
        case VgaOp::FillVram: {
            auto vram = core->vram();
            uint32_t offset = input.u32() % vram.size();
            auto bytes = input.bytes(input.u16());
            std::memcpy(vram.data() + offset, bytes.data(), std::min(bytes.size(), vram.size() - offset));
            break;
        }
        case VgaOp::Update:
            dirty_log_knows = input.u8() & 1;
            if (++refreshes <= max_refreshes)
                core->update(updated);
            break;
        case VgaOp::Render:
            if (++refreshes <= max_refreshes)
                core->render(rendered);
            break;
        case VgaOp::TextScreen:
            if (++refreshes <= max_refreshes)
                core->text_screen();
            break;
        case VgaOp::Count:
            break;
        }
    }
    core->update(updated);
    core->render(rendered);
    core->text_screen();
    return 0;
}
