// Bitwise raster operations (the Windows-style ROP3 codes SPICE's draw commands carry, and its ROP
// descriptors), which pixman's Porter-Duff operators cannot express. Both are reduced to one ROP3
// truth table: bit (p << 2 | s << 1 | d) of the code is the result for pattern bit p, source bit s
// and destination bit d, so 0xCC copies the source, 0xF0 the pattern and 0x55 inverts the
// destination.
#pragma once

#include <cstddef>
#include <cstdint>

namespace spicebox {

namespace rop3 {
constexpr uint8_t source_copy = 0xCC;
constexpr uint8_t pattern_copy = 0xF0;
constexpr uint8_t blackness = 0x00;
constexpr uint8_t whiteness = 0xFF;
constexpr uint8_t destination_invert = 0x55;
} // namespace rop3

// Which operand of a draw a SPICE_ROPD_INVERS_* bit refers to.
enum class RopInput { Source, Brush, Destination };

// The ROP3 code of a SpiceRopd descriptor combining `operand` (the source image or the brush) with
// the destination, as SPICE's canvas reads descriptors: the first of PUT, OR, AND, XOR, BLACKNESS,
// WHITENESS, INVERS that is set decides; none of them means PUT. The result ignores the pattern
// bit, so callers pass the operand as both source and pattern.
uint8_t rop3_from_descriptor(uint16_t descriptor, RopInput operand, RopInput destination);

// Rows of pixels in memory: row y starts at data + y * stride (stride may be negative).
struct RasterRows {
    uint8_t* data { nullptr };
    ptrdiff_t stride { 0 };
    uint8_t* row(int32_t y) const { return data + ptrdiff_t(y) * stride; }
};

// destination = rop3(pattern, source, destination), bit by bit, over `rows` rows of `row_bytes`
// bytes. Pixel formats do not matter to a bitwise operation as long as all three share one.
void apply_rop3(uint8_t code, RasterRows destination, RasterRows source, RasterRows pattern, size_t row_bytes,
    int32_t rows);

} // namespace spicebox
