// The VGA register map: I/O ports, register indexes and the bits spicebox interprets (IBM VGA Technical
// Reference; FreeVGA). Values only: the behaviour is in VgaRegisterFile.
#pragma once

#include <cstdint>

namespace spicebox::vga {

enum class Port : uint16_t {
    CrtcIndexMono = 0x3B4,
    CrtcDataMono = 0x3B5,
    InputStatus1Mono = 0x3BA, // read: input status 1; write: feature control
    AttributeWrite = 0x3C0,   // write: index or data (flip-flop); read: index
    AttributeRead = 0x3C1,
    MiscWrite = 0x3C2, // write: miscellaneous output; read: input status 0
    VideoEnable = 0x3C3,
    SequencerIndex = 0x3C4,
    SequencerData = 0x3C5,
    DacPelMask = 0x3C6,
    DacReadIndex = 0x3C7, // write: read index; read: DAC state
    DacWriteIndex = 0x3C8,
    DacData = 0x3C9,
    FeatureRead = 0x3CA,
    MiscRead = 0x3CC,
    GraphicsIndex = 0x3CE,
    GraphicsData = 0x3CF,
    CrtcIndexColor = 0x3D4,
    CrtcDataColor = 0x3D5,
    InputStatus1Color = 0x3DA, // read: input status 1; write: feature control
};

// The monochrome (0x3Bx) and colour (0x3Dx) blocks: only the one MISC bit 0 selects decodes.
inline constexpr uint16_t mono_block_first = 0x3B0;
inline constexpr uint16_t mono_block_last = 0x3BF;
inline constexpr uint16_t color_block_first = 0x3D0;
inline constexpr uint16_t color_block_last = 0x3DF;

namespace misc {
inline constexpr uint8_t color_io = 0x01;
inline constexpr uint8_t reserved_bit = 0x10; // not stored
}

namespace status1 {
inline constexpr uint8_t display_inactive = 0x01;
inline constexpr uint8_t vertical_retrace = 0x08;
}

inline constexpr uint8_t feature_control_mask = 0x10;

// Sequencer (0x3C4/0x3C5): the index has 3 bits.
enum class Seq : uint8_t {
    Reset = 0,
    ClockingMode = 1,
    MapMask = 2,
    CharacterMapSelect = 3,
    MemoryMode = 4,
};
inline constexpr unsigned sequencer_count = 8;
inline constexpr uint8_t sequencer_index_mask = 0x07;
inline constexpr uint8_t sequencer_write_mask[sequencer_count] = { 0x03, 0x3D, 0x0F, 0x3F, 0x0E, 0x00, 0x00, 0xFF };

namespace seq {
inline constexpr uint8_t clock_8_dots = 0x01;    // ClockingMode: 8-dot character clock (else 9)
inline constexpr uint8_t clock_half_rate = 0x08; // ClockingMode: dot clock / 2 (pixel doubling)
inline constexpr uint8_t all_planes = 0x0F;      // MapMask
inline constexpr uint8_t chain4 = 0x08;          // MemoryMode
}

// Graphics controller (0x3CE/0x3CF): the index has 4 bits.
enum class Gfx : uint8_t {
    SetReset = 0,
    EnableSetReset = 1,
    ColorCompare = 2,
    DataRotate = 3,
    ReadMapSelect = 4,
    Mode = 5,
    Misc = 6,
    ColorDontCare = 7,
    BitMask = 8,
};
inline constexpr unsigned graphics_count = 16;
inline constexpr uint8_t graphics_index_mask = 0x0F;
inline constexpr uint8_t graphics_write_mask[graphics_count] = {
    0x0F, 0x0F, 0x0F, 0x1F, 0x03, 0x7B, 0x0F, 0x0F, 0xFF, 0, 0, 0, 0, 0, 0, 0,
};

namespace gfx {
inline constexpr uint8_t rotate_mask = 0x07;   // DataRotate
inline constexpr unsigned function_shift = 3;  // DataRotate: 0 replace, 1 AND, 2 OR, 3 XOR
inline constexpr uint8_t write_mode_mask = 0x03; // Mode
inline constexpr uint8_t read_mode_compare = 0x08;
inline constexpr uint8_t host_odd_even = 0x10;
inline constexpr unsigned shift_control_shift = 5; // Mode bits 5-6: 0 planar 16, 1 CGA 4-colour, 2 256-colour
inline constexpr uint8_t shift_control_mask = 0x60;
inline constexpr uint8_t graphics_mode = 0x01; // Misc
inline constexpr unsigned memory_map_shift = 2;
inline constexpr uint8_t memory_map_mask = 0x0C;
}

enum class MemoryMap : uint8_t {
    A0000_128K = 0,
    A0000_64K = 1,
    B0000_32K = 2,
    B8000_32K = 3,
};

// CRT controller (0x3B4/0x3B5 or 0x3D4/0x3D5): 256 indexes, all stored.
enum class Crtc : uint8_t {
    HorizontalTotal = 0x00,
    HorizontalDisplayEnd = 0x01,
    StartHorizontalBlank = 0x02,
    EndHorizontalBlank = 0x03,
    StartHorizontalRetrace = 0x04,
    EndHorizontalRetrace = 0x05,
    VerticalTotal = 0x06,
    Overflow = 0x07,
    PresetRowScan = 0x08,
    MaximumScanLine = 0x09,
    CursorStart = 0x0A,
    CursorEnd = 0x0B,
    StartAddressHigh = 0x0C,
    StartAddressLow = 0x0D,
    CursorLocationHigh = 0x0E,
    CursorLocationLow = 0x0F,
    VerticalRetraceStart = 0x10,
    VerticalRetraceEnd = 0x11,
    VerticalDisplayEnd = 0x12,
    Offset = 0x13,
    UnderlineLocation = 0x14,
    StartVerticalBlank = 0x15,
    EndVerticalBlank = 0x16,
    ModeControl = 0x17,
    LineCompare = 0x18,
};
inline constexpr unsigned crtc_count = 256;

namespace crtc {
inline constexpr uint8_t overflow_display_end_bit8 = 0x02;
inline constexpr uint8_t overflow_line_compare_bit8 = 0x10;
inline constexpr uint8_t overflow_display_end_bit9 = 0x40;
inline constexpr uint8_t overflow_write_unprotected = 0x10; // the one CR7 bit CR11's lock leaves writable
inline constexpr uint8_t scan_line_mask = 0x1F;              // MaximumScanLine
inline constexpr uint8_t max_scan_line_compare_bit9 = 0x40;
inline constexpr uint8_t double_scan = 0x80;
inline constexpr uint8_t cursor_disable = 0x20; // CursorStart
inline constexpr uint8_t cursor_line_mask = 0x1F;
inline constexpr uint8_t protect_cr0_cr7 = 0x80; // VerticalRetraceEnd
inline constexpr uint8_t mode_no_cga_row_substitution = 0x01; // ModeControl bit 0 (MAP13)
inline constexpr uint8_t mode_no_hercules_row_substitution = 0x02; // ModeControl bit 1 (MAP14)
inline constexpr uint8_t mode_address_wrap = 0x40;
}

// Attribute controller (0x3C0/0x3C1).
enum class Attr : uint8_t {
    Palette0 = 0x00,
    Palette15 = 0x0F,
    ModeControl = 0x10,
    OverscanColor = 0x11,
    ColorPlaneEnable = 0x12,
    HorizontalPelPanning = 0x13,
    ColorSelect = 0x14,
};
inline constexpr unsigned attribute_count = 0x15;
inline constexpr unsigned palette_register_count = 16;

namespace attr {
inline constexpr uint8_t index_write_mask = 0x3F;     // an index write keeps bits 0-5
inline constexpr uint8_t index_register_mask = 0x1F;
inline constexpr uint8_t palette_address_source = 0x20; // PAS: clear = the screen is blanked
inline constexpr uint8_t palette_value_mask = 0x3F;
inline constexpr uint8_t mode_reserved_bit = 0x10;
inline constexpr uint8_t plane_enable_mask = 0x3F;
inline constexpr uint8_t pel_panning_mask = 0x0F;
inline constexpr uint8_t color_select_mask = 0x0F;
inline constexpr uint8_t mode_line_graphics = 0x04; // ModeControl: 9th column copies the 8th for 0xC0-0xDF
inline constexpr uint8_t mode_blink = 0x08;         // ModeControl: attribute bit 7 blinks (else background intensity)
inline constexpr uint8_t mode_palette_bits_54 = 0x80; // ModeControl: ColorSelect bits 0-3 replace palette bits 4-5
}

// DAC (0x3C6-0x3C9): 256 entries of red, green, blue.
inline constexpr unsigned dac_entries = 256;
inline constexpr uint8_t dac_6bit_mask = 0x3F;
enum class DacState : uint8_t {
    Write = 0x00,
    Read = 0x03,
};

} // namespace spicebox::vga
