// fw_cfg's selector, data and DMA ports against guest memory the input fills: DMA descriptors anywhere
// (inside, straddling or outside RAM), with any control word, length and buffer address.
#include "base/log.h"
#include "devices/fw_cfg.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_programs.h"

#include <array>
#include <cstring>
#include <vector>

using namespace spicebox;
using namespace spicebox::fuzz;

namespace {

constexpr std::array<size_t, 3> access_sizes { 1, 2, 4 };

std::vector<uint8_t> pattern(size_t size)
{
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = uint8_t(i * 7 + 1);
    return bytes;
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
    std::vector<uint8_t> ram(fw_cfg_bench::ram_size);
    GuestMemory memory;
    if (!memory.add_region(0, ram, "ram"))
        __builtin_trap();
    FwCfg device(memory);
    (void)device.add_item(FwCfgKey::RamSize, pattern(8));
    (void)device.add_item(FwCfgKey::NbCpus, pattern(2));
    (void)device.add_file("etc/e820", pattern(40));
    (void)device.add_file("bootorder", {});
    (void)device.add_file("genroms/big", pattern(70000));
    while (!input.at_end()) {
        switch (FwCfgOp(input.u8() % uint8_t(FwCfgOp::Count))) {
        case FwCfgOp::Write: {
            uint8_t offset = input.u8() % FwCfg::port_count;
            size_t bytes = access_sizes[input.u8() % access_sizes.size()];
            uint32_t value = input.u32();
            uint8_t raw[4];
            std::memcpy(raw, &value, sizeof raw);
            device.io_write(offset, { raw, bytes });
            break;
        }
        case FwCfgOp::Read: {
            uint8_t offset = input.u8() % FwCfg::port_count;
            uint8_t raw[4];
            device.io_read(offset, { raw, access_sizes[input.u8() % access_sizes.size()] });
            break;
        }
        case FwCfgOp::WriteMemory: {
            uint16_t address = input.u16();
            auto bytes = input.bytes(input.u16());
            std::memcpy(ram.data() + address, bytes.data(), std::min<size_t>(bytes.size(), ram.size() - address));
            break;
        }
        case FwCfgOp::Count:
            break;
        }
    }
    return 0;
}
