#include "spice-common/raster_ops.h"

#include <spice/enums.h>

#include <array>

namespace spicebox {

namespace {

uint16_t invert_bit(RopInput input)
{
    switch (input) {
    case RopInput::Source:
        return SPICE_ROPD_INVERS_SRC;
    case RopInput::Brush:
        return SPICE_ROPD_INVERS_BRUSH;
    case RopInput::Destination:
        return SPICE_ROPD_INVERS_DEST;
    }
    return 0;
}

// One bit of the descriptor's operation for operand bit `s` and destination bit `d`.
bool descriptor_bit(uint16_t descriptor, bool invert_operand, bool invert_destination, bool s, bool d)
{
    constexpr uint16_t binary_ops = SPICE_ROPD_OP_PUT | SPICE_ROPD_OP_OR | SPICE_ROPD_OP_AND | SPICE_ROPD_OP_XOR;
    if (!(descriptor & binary_ops)) {
        if (descriptor & SPICE_ROPD_OP_BLACKNESS)
            return false;
        if (descriptor & SPICE_ROPD_OP_WHITENESS)
            return true;
        if (descriptor & SPICE_ROPD_OP_INVERS)
            return !d;
        return s; // no operation at all: SPICE's canvas copies
    }
    bool operand = invert_operand ? !s : s;
    bool dest = invert_destination ? !d : d;
    bool result;
    if (descriptor & SPICE_ROPD_OP_PUT)
        result = operand;
    else if (descriptor & SPICE_ROPD_OP_OR)
        result = operand || dest;
    else if (descriptor & SPICE_ROPD_OP_AND)
        result = operand && dest;
    else
        result = operand != dest;
    return (descriptor & SPICE_ROPD_INVERS_RES) ? !result : result;
}

} // namespace

uint8_t rop3_from_descriptor(uint16_t descriptor, RopInput operand, RopInput destination)
{
    bool invert_operand = descriptor & invert_bit(operand);
    bool invert_destination = descriptor & invert_bit(destination);
    uint8_t code = 0;
    for (unsigned index = 0; index < 8; ++index) {
        bool s = index & 2;
        bool d = index & 1;
        if (descriptor_bit(descriptor, invert_operand, invert_destination, s, d))
            code |= uint8_t(1u << index);
    }
    return code;
}

void apply_rop3(uint8_t code, RasterRows destination, RasterRows source, RasterRows pattern, size_t row_bytes,
    int32_t rows)
{
    // The result is the union of the minterms the code selects; each minterm's selector is a
    // whole-byte mask so the inner loop has no branches and vectorises.
    std::array<uint8_t, 8> selected;
    for (unsigned index = 0; index < 8; ++index)
        selected[index] = (code >> index) & 1 ? 0xFF : 0x00;
    for (int32_t y = 0; y < rows; ++y) {
        uint8_t* d = destination.row(y);
        const uint8_t* s = source.row(y);
        const uint8_t* p = pattern.row(y);
        for (size_t i = 0; i < row_bytes; ++i) {
            uint8_t pv = p[i], sv = s[i], dv = d[i];
            uint8_t np = uint8_t(~pv), ns = uint8_t(~sv), nd = uint8_t(~dv);
            d[i] = uint8_t((selected[0] & np & ns & nd) | (selected[1] & np & ns & dv) | (selected[2] & np & sv & nd)
                | (selected[3] & np & sv & dv) | (selected[4] & pv & ns & nd) | (selected[5] & pv & ns & dv)
                | (selected[6] & pv & sv & nd) | (selected[7] & pv & sv & dv));
        }
    }
}

} // namespace spicebox
