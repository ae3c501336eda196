#include "vga/edid.h"

#include <cstring>

namespace spicebox::vga {

namespace {

// Byte offsets in an EDID 1.4 base block (VESA E-EDID A2).
enum EdidOffset : size_t {
    Header = 0x00,
    Manufacturer = 0x08,
    ProductCode = 0x0A,
    Serial = 0x0C,
    Week = 0x10,
    Year = 0x11,
    Version = 0x12,
    Revision = 0x13,
    VideoInput = 0x14,
    WidthCm = 0x15,
    HeightCm = 0x16,
    Gamma = 0x17,
    Features = 0x18,
    Chromaticity = 0x19,
    EstablishedTimings = 0x23,
    StandardTimings = 0x26,
    Descriptors = 0x36,
    ExtensionCount = 0x7E,
    Checksum = 0x7F,
};

constexpr size_t descriptor_size = 18;
constexpr size_t standard_timing_slots = 8;
constexpr uint8_t header[8] = { 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00 };
constexpr char manufacturer[3] = { 'S', 'B', 'X' };
constexpr uint16_t product_code = 0x0001;
constexpr uint8_t year_2024 = 2024 - 1990;
constexpr uint8_t digital_8_bits_per_color = 0xA0; // digital input, 8 bits per primary, interface unspecified
constexpr uint8_t gamma_2_2 = 220 - 100;           // (gamma x 100) - 100
constexpr uint8_t features_srgb_preferred_native = 0x06; // sRGB default colour space; preferred timing is native
constexpr uint8_t established_640x480_60 = 0x20;   // byte 0x23 bit 5
constexpr uint8_t established_800x600_60 = 0x01;   // byte 0x23 bit 0
constexpr uint8_t established_1024x768_60 = 0x08;  // byte 0x24 bit 3
constexpr uint8_t unused_standard_timing = 0x01;

enum class Aspect : uint8_t { Ratio16x10 = 0, Ratio4x3 = 1, Ratio5x4 = 2, Ratio16x9 = 3 };

// A detailed timing (one descriptor slot).
struct DetailedTiming {
    uint32_t pixel_clock_khz;
    uint16_t h_active, h_blank, h_sync_offset, h_sync_width;
    uint16_t v_active, v_blank, v_sync_offset, v_sync_width;
    uint16_t width_mm, height_mm;
    uint8_t flags;
};
constexpr uint8_t separate_sync_negative = 0x18;

// VESA DMT 1024x768 at 60 Hz: 65 MHz, 1344 x 806 total, both syncs negative.
constexpr DetailedTiming preferred_timing {
    65000, 1024, 320, 24, 136, 768, 38, 3, 6, 271, 203, separate_sync_negative,
};

void put_detailed_timing(uint8_t* d, const DetailedTiming& t)
{
    uint16_t clock = uint16_t(t.pixel_clock_khz / 10);
    d[0] = uint8_t(clock);
    d[1] = uint8_t(clock >> 8);
    d[2] = uint8_t(t.h_active);
    d[3] = uint8_t(t.h_blank);
    d[4] = uint8_t((t.h_active >> 8) << 4 | (t.h_blank >> 8));
    d[5] = uint8_t(t.v_active);
    d[6] = uint8_t(t.v_blank);
    d[7] = uint8_t((t.v_active >> 8) << 4 | (t.v_blank >> 8));
    d[8] = uint8_t(t.h_sync_offset);
    d[9] = uint8_t(t.h_sync_width);
    d[10] = uint8_t((t.v_sync_offset & 0x0F) << 4 | (t.v_sync_width & 0x0F));
    d[11] = uint8_t((t.h_sync_offset >> 8) << 6 | (t.h_sync_width >> 8) << 4 | (t.v_sync_offset >> 4) << 2 | (t.v_sync_width >> 4));
    d[12] = uint8_t(t.width_mm);
    d[13] = uint8_t(t.height_mm);
    d[14] = uint8_t((t.width_mm >> 8) << 4 | (t.height_mm >> 8));
    d[15] = 0;
    d[16] = 0;
    d[17] = t.flags;
}

enum class DescriptorTag : uint8_t { Dummy = 0x10, RangeLimits = 0xFD, ProductName = 0xFC };

void put_display_descriptor(uint8_t* d, DescriptorTag tag)
{
    std::memset(d, 0, descriptor_size);
    d[3] = uint8_t(tag);
}

// Text descriptors end with a line feed and are padded with spaces.
void put_text(uint8_t* d, const char* text)
{
    constexpr size_t text_size = 13;
    size_t length = std::strlen(text);
    for (size_t i = 0; i < text_size; ++i)
        d[5 + i] = i < length ? uint8_t(text[i]) : i == length ? 0x0A : 0x20;
}

void put_range_limits(uint8_t* d)
{
    put_display_descriptor(d, DescriptorTag::RangeLimits);
    d[5] = 50;  // vertical Hz, minimum
    d[6] = 75;  // vertical Hz, maximum
    d[7] = 30;  // horizontal kHz, minimum
    d[8] = 110; // horizontal kHz, maximum
    d[9] = 28;  // pixel clock in 10 MHz steps (2560x1600 at 60 Hz with reduced blanking needs 268.5 MHz)
    d[10] = 0x01; // range limits only
    d[11] = 0x0A;
    for (size_t i = 12; i < descriptor_size; ++i)
        d[i] = 0x20;
}

// A standard timing: (width / 8) - 31, then the aspect ratio and (refresh - 60).
void put_standard_timing(uint8_t* d, uint16_t width, Aspect aspect)
{
    d[0] = uint8_t(width / 8 - 31);
    d[1] = uint8_t(uint8_t(aspect) << 6);
}

}

std::array<uint8_t, edid_block_size> spicebox_edid()
{
    std::array<uint8_t, edid_block_size> edid {};
    std::memcpy(&edid[Header], header, sizeof header);
    // Three letters, 5 bits each ('A' = 1), big-endian.
    uint16_t vendor = uint16_t((manufacturer[0] - 'A' + 1) << 10 | (manufacturer[1] - 'A' + 1) << 5 | (manufacturer[2] - 'A' + 1));
    edid[Manufacturer] = uint8_t(vendor >> 8);
    edid[Manufacturer + 1] = uint8_t(vendor);
    edid[ProductCode] = uint8_t(product_code);
    edid[ProductCode + 1] = uint8_t(product_code >> 8);
    edid[Week] = 1;
    edid[Year] = year_2024;
    edid[Version] = 1;
    edid[Revision] = 4;
    edid[VideoInput] = digital_8_bits_per_color;
    edid[WidthCm] = uint8_t((preferred_timing.width_mm + 5) / 10);
    edid[HeightCm] = uint8_t((preferred_timing.height_mm + 5) / 10);
    edid[Gamma] = gamma_2_2;
    edid[Features] = features_srgb_preferred_native;

    // sRGB primaries and D65 white as 10-bit binary fractions: red (0.640, 0.330), green (0.300, 0.600),
    // blue (0.150, 0.060), white (0.3127, 0.3290).
    constexpr uint16_t chroma[8] = { 655, 338, 307, 614, 154, 61, 320, 337 };
    edid[Chromaticity] = uint8_t((chroma[0] & 3) << 6 | (chroma[1] & 3) << 4 | (chroma[2] & 3) << 2 | (chroma[3] & 3));
    edid[Chromaticity + 1] = uint8_t((chroma[4] & 3) << 6 | (chroma[5] & 3) << 4 | (chroma[6] & 3) << 2 | (chroma[7] & 3));
    for (size_t i = 0; i < 8; ++i)
        edid[Chromaticity + 2 + i] = uint8_t(chroma[i] >> 2);

    edid[EstablishedTimings] = established_640x480_60 | established_800x600_60;
    edid[EstablishedTimings + 1] = established_1024x768_60;
    for (size_t i = 0; i < standard_timing_slots * 2; ++i)
        edid[StandardTimings + i] = unused_standard_timing;
    put_standard_timing(&edid[StandardTimings + 0], 1280, Aspect::Ratio5x4);
    put_standard_timing(&edid[StandardTimings + 2], 1280, Aspect::Ratio16x10);
    put_standard_timing(&edid[StandardTimings + 4], 1600, Aspect::Ratio4x3);
    put_standard_timing(&edid[StandardTimings + 6], 1920, Aspect::Ratio16x9);

    put_detailed_timing(&edid[Descriptors], preferred_timing);
    put_range_limits(&edid[Descriptors + descriptor_size]);
    put_display_descriptor(&edid[Descriptors + 2 * descriptor_size], DescriptorTag::ProductName);
    put_text(&edid[Descriptors + 2 * descriptor_size], "spicebox");
    put_display_descriptor(&edid[Descriptors + 3 * descriptor_size], DescriptorTag::Dummy);

    edid[ExtensionCount] = 0;
    uint8_t sum = 0;
    for (size_t i = 0; i < Checksum; ++i)
        sum = uint8_t(sum + edid[i]);
    edid[Checksum] = uint8_t(-sum);
    return edid;
}

} // namespace spicebox::vga
