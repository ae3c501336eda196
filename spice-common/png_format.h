// The part of the PNG format (W3C PNG 2nd edition, ISO/IEC 15948) that spicebox writes: 8-bit RGB,
// not interlaced, zlib-compressed scanlines each preceded by a filter type byte.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace spicebox::png {

inline constexpr std::array<uint8_t, 8> kSignature { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' };

// A chunk type as the four ASCII bytes read as a big-endian number, as it is stored.
constexpr uint32_t chunk_type(const char (&name)[5])
{
    return uint32_t(uint8_t(name[0])) << 24 | uint32_t(uint8_t(name[1])) << 16 | uint32_t(uint8_t(name[2])) << 8
        | uint32_t(uint8_t(name[3]));
}

enum class ChunkType : uint32_t {
    Ihdr = chunk_type("IHDR"),
    Idat = chunk_type("IDAT"),
    Iend = chunk_type("IEND"),
};

// Bit 5 of a chunk type's first byte (a lowercase letter) marks it ancillary: a reader may skip it.
constexpr uint32_t kAncillaryBit = uint32_t(0x20) << 24;

// Chunk lengths, and image width and height, are at most 2^31 - 1.
constexpr uint32_t kMaxChunkLength = 0x7FFFFFFF;
constexpr uint32_t kMaxDimension = 0x7FFFFFFF;

// Chunk layout: length (4), type (4), data (length), CRC-32 of type and data (4).
constexpr size_t kChunkOverhead = 12;
constexpr size_t kIhdrLength = 13;

constexpr uint8_t kBitDepth8 = 8;
enum class ColourType : uint8_t {
    Rgb = 2,
};
constexpr uint8_t kCompressionDeflate = 0;
constexpr uint8_t kFilterMethodAdaptive = 0;
constexpr uint8_t kInterlaceNone = 0;
constexpr size_t kRgbBytesPerPixel = 3;

// The per-scanline filters of filter method 0.
enum class FilterType : uint8_t {
    None = 0,
    Sub = 1,
    Up = 2,
    Average = 3,
    Paeth = 4,
};

} // namespace spicebox::png
