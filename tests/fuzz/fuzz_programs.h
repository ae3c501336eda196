// The instruction sets of the fuzz targets that run programs (a FuzzInput read as opcodes and their
// operands), shared with make_corpus.cc, which writes the seeds in them.
#pragma once

#include <cstdint>

namespace spicebox::fuzz {

// qxl_ports_fuzzer: a QXL card with its BARs at these addresses, driven as a guest would.
namespace qxl_bench {
inline constexpr uint64_t ram_address = 0xF4000000;
inline constexpr uint64_t vram_address = 0xF8000000;
inline constexpr uint64_t rom_address = 0xFC010000;
inline constexpr uint16_t io_address = 0xC000;
inline constexpr uint64_t vgamem_size = 8 << 20; // the smallest VGA area QxlLayout allows
inline constexpr uint64_t ram_size = 16 << 20;    // the smallest BAR0: twice the VGA area
inline constexpr uint64_t vram_size = 1 << 20;
inline constexpr uint32_t surfaces = 16;
}

enum class QxlPortsOp : uint8_t {
    PortWrite,     // u8 port, u8 value
    WriteRam,      // u32 offset into BAR0 (wrapped), u16 length, bytes
    WriteHeader,   // u16 offset into the RAM header (wrapped), u16 length, bytes
    WriteVram,     // u32 offset into BAR1 (wrapped), u16 length, bytes
    PushCommand,   // u8 ring (0 command, else cursor), u64 QXLPHYSICAL, u32 type: as a guest's push
    ProcessRings,  // the display worker's pass
    Reset,         // machine reset
    Count,
};

// qxl_parser_fuzzer: u8 what (ParserInput), then the slot memory image. Slot 1 covers all of it,
// slot 2 its second half; the command is at offset 0 of slot 1.
namespace qxl_parser_bench {
inline constexpr size_t memory_size = 64 * 1024;
inline constexpr uint64_t guest_address = 0x80000000;
}
enum class ParserInput : uint8_t { Drawable, Cursor, Surface, Monitors, Count };

// vga_fuzzer: u8 video memory size selector (VgaMemory), then ops.
enum class VgaMemory : uint8_t { Planes256K, Mib1, Mib16, Count };
enum class VgaOp : uint8_t {
    PortWrite,   // u8 port offset from 0x3B0 (wrapped), u8 size (1, 2 or 4 after wrapping), u32 value
    PortRead,    // u8 port offset, u8 size
    VbeWrite,    // u8 port offset from 0x1CE (wrapped), u8 size, u32 value
    VbeRead,     // u8 port offset, u8 size
    WindowWrite, // u32 offset into the 0xA0000 window (wrapped), u16 count (at most 16384), u8 value: count byte writes
    WindowRead,  // u32 offset, u16 count
    FillVram,    // u32 offset (wrapped), u16 length, bytes: the guest writing the linear framebuffer
    Update,      // the incremental refresh; u8: whether the dirty log knows which pages changed
    Render,      // the full picture
    TextScreen,  // (each program gets 4 of these three, then one of each at its end)
    Count,
};

// fw_cfg_fuzzer: guest memory of fw_cfg_bench::ram_size at 0, filled from the input, then ops.
namespace fw_cfg_bench {
inline constexpr uint64_t ram_size = 64 * 1024;
}
enum class FwCfgOp : uint8_t {
    Write,      // u8 port offset (wrapped to the 12 ports), u8 size (1, 2 or 4), u32 value
    Read,       // u8 port offset, u8 size
    WriteMemory,// u16 address, u16 length, bytes
    Count,
};

// Channel fuzzers: u8 flags (ChannelFlags), then the bytes the client sends after the link.
enum ChannelFlags : uint8_t {
    MiniHeader = 1,   // the client asked for mini headers
    SplitInput = 2,   // the bytes arrive in two reads (the second half after the first is handled)
};

// client_display_fuzzer and client_channels_fuzzer: what a server sends to our client. u8 flags
// (ServerStreamFlags), then steps.
enum ServerStreamFlags : uint8_t {
    ServerMiniHeader = 1, // the link agreed on mini headers
};
enum class ClientDisplayOp : uint8_t {
    Arrive,       // u32 length, bytes: they arrive on the display channel and its complete messages are handled
    Wait,         // u16 milliseconds pass on the fake clock, then the frames due are drawn
    MediaTime,    // u32: the server's multimedia time from the main channel
    Count,
};
enum class ClientChannelsOp : uint8_t {
    ArriveMain,   // u32 length, bytes: they arrive on the main channel
    ArriveCursor, // u32 length, bytes
    ArriveInputs, // u32 length, bytes
    Motion,       // i16 dx, i16 dy: the user moves the mouse (relative)
    Position,     // u16 x, u16 y: the user moves the mouse (absolute)
    MouseMode,    // u8: the window asks for client (odd) or server (even) mouse mode
    Count,
};

} // namespace spicebox::fuzz
