#include "vga/edid.h"

#include <doctest/doctest.h>

using namespace spicebox::vga;

TEST_CASE("the EDID block has the 1.4 header, a zero checksum and a 1024x768 preferred timing")
{
    auto edid = spicebox_edid();
    const uint8_t header[8] = { 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00 };
    for (size_t i = 0; i < 8; ++i)
        CHECK(edid[i] == header[i]);
    CHECK(edid[0x12] == 1);
    CHECK(edid[0x13] == 4);
    uint8_t sum = 0;
    for (uint8_t byte : edid)
        sum = uint8_t(sum + byte);
    CHECK(sum == 0);

    const uint8_t* timing = &edid[0x36];
    uint32_t clock_khz = (timing[0] | timing[1] << 8) * 10u;
    uint32_t h_active = timing[2] | (timing[4] >> 4) << 8;
    uint32_t h_blank = timing[3] | (timing[4] & 0x0F) << 8;
    uint32_t v_active = timing[5] | (timing[7] >> 4) << 8;
    uint32_t v_blank = timing[6] | (timing[7] & 0x0F) << 8;
    CHECK(clock_khz == 65000);
    CHECK(h_active == 1024);
    CHECK(v_active == 768);
    // 65 MHz over the total raster is the mode's refresh rate: 60 Hz.
    uint32_t refresh_millihertz = uint32_t(uint64_t(clock_khz) * 1000 * 1000 / ((h_active + h_blank) * (v_active + v_blank)));
    CHECK(refresh_millihertz / 1000 == 60);
    CHECK((edid[0x18] & 0x02) != 0); // the first detailed timing is the preferred mode

    // The manufacturer id packs three letters A-Z into 15 bits, with bit 15 clear.
    CHECK((edid[8] & 0x80) == 0);
    CHECK(edid[0x7E] == 0); // no extension blocks
}
