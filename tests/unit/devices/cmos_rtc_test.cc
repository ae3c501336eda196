#include "devices/cmos_rtc.h"

#include <doctest/doctest.h>

using namespace spicebox;

namespace {

constexpr uint64_t MiB = 1024 * 1024;
constexpr uint64_t GiB = 1024 * MiB;

std::time_t utc(int year, int month, int day, int hour, int minute, int second)
{
    std::tm fields {};
    fields.tm_year = year - 1900;
    fields.tm_mon = month - 1;
    fields.tm_mday = day;
    fields.tm_hour = hour;
    fields.tm_min = minute;
    fields.tm_sec = second;
    return timegm(&fields);
}

uint8_t cmos_read(CmosRtc& rtc, uint8_t index)
{
    const uint8_t select[1] = { index };
    rtc.io_write(0, select);
    uint8_t value[1];
    rtc.io_read(1, value);
    return value[0];
}

void cmos_write(CmosRtc& rtc, uint8_t index, uint8_t value)
{
    const uint8_t both[2] = { index, value }; // one 16-bit OUT to 0x70 reaches 0x70 and 0x71
    rtc.io_write(0, both);
}

unsigned read16(CmosRtc& rtc, uint8_t low)
{
    return cmos_read(rtc, low) | cmos_read(rtc, low + 1) << 8;
}

}

TEST_CASE("CmosRtc reports a pinned clock in BCD and in binary")
{
    std::time_t now = utc(2024, 2, 29, 13, 5, 9); // a Thursday
    CmosRtc rtc(256 * MiB, 0, 1, [&now] { return now; });

    CHECK(cmos_read(rtc, 0x0B) == 0x02); // BCD, 24-hour
    CHECK(cmos_read(rtc, 0x00) == 0x09);
    CHECK(cmos_read(rtc, 0x02) == 0x05);
    CHECK(cmos_read(rtc, 0x04) == 0x13);
    CHECK(cmos_read(rtc, 0x06) == 0x05); // Sunday is 1
    CHECK(cmos_read(rtc, 0x07) == 0x29);
    CHECK(cmos_read(rtc, 0x08) == 0x02);
    CHECK(cmos_read(rtc, 0x09) == 0x24);
    CHECK(cmos_read(rtc, 0x32) == 0x20);

    cmos_write(rtc, 0x0B, 0x06); // binary, 24-hour
    CHECK(cmos_read(rtc, 0x0B) == 0x06);
    CHECK(cmos_read(rtc, 0x00) == 9);
    CHECK(cmos_read(rtc, 0x04) == 13);
    CHECK(cmos_read(rtc, 0x07) == 29);
    CHECK(cmos_read(rtc, 0x09) == 24);
    CHECK(cmos_read(rtc, 0x32) == 20);

    // The clock is read at each access.
    now = utc(2031, 12, 31, 23, 59, 58);
    CHECK(cmos_read(rtc, 0x00) == 58);
    CHECK(cmos_read(rtc, 0x09) == 31);

    // The guest cannot set the time.
    cmos_write(rtc, 0x00, 0x11);
    CHECK(cmos_read(rtc, 0x00) == 58);
}

TEST_CASE("CmosRtc 12-hour mode marks PM in bit 7")
{
    std::time_t now = utc(2024, 1, 1, 13, 0, 0);
    CmosRtc rtc(256 * MiB, 0, 1, [&now] { return now; });
    cmos_write(rtc, 0x0B, 0x00); // BCD, 12-hour
    CHECK(cmos_read(rtc, 0x04) == 0x81);
    now = utc(2024, 1, 1, 0, 30, 0);
    CHECK(cmos_read(rtc, 0x04) == 0x12);
    now = utc(2024, 1, 1, 12, 30, 0);
    CHECK(cmos_read(rtc, 0x04) == 0x92);
    now = utc(2024, 1, 1, 22, 30, 0);
    cmos_write(rtc, 0x0B, 0x04); // binary, 12-hour
    CHECK(cmos_read(rtc, 0x04) == (0x80 | 10));
}

TEST_CASE("CmosRtc status registers: UIP never set, valid RAM, writes to A and B stored")
{
    CmosRtc rtc(256 * MiB, 0, 1);
    CHECK(cmos_read(rtc, 0x0A) == 0x26);
    cmos_write(rtc, 0x0A, 0xA5);
    CHECK(cmos_read(rtc, 0x0A) == 0x25);
    cmos_write(rtc, 0x0B, 0x42);
    CHECK(cmos_read(rtc, 0x0B) == 0x42);
    CHECK(cmos_read(rtc, 0x0C) == 0x00);
    CHECK(cmos_read(rtc, 0x0D) == 0x80);
    cmos_write(rtc, 0x0D, 0x00);
    CHECK(cmos_read(rtc, 0x0D) == 0x80);

    // Alarm and plain CMOS bytes are RAM.
    cmos_write(rtc, 0x01, 0x45);
    cmos_write(rtc, 0x40, 0x99);
    CHECK(cmos_read(rtc, 0x01) == 0x45);
    CHECK(cmos_read(rtc, 0x40) == 0x99);
}

TEST_CASE("CmosRtc memory-size fields for 256 MiB, one CPU")
{
    CmosRtc rtc(256 * MiB, 0, 1);
    CHECK(read16(rtc, 0x15) == 640);
    CHECK(read16(rtc, 0x17) == 0xFFFF); // 255 MiB in KiB does not fit
    CHECK(read16(rtc, 0x30) == 0xFFFF);
    CHECK(read16(rtc, 0x34) == (256 - 16) * 16);
    CHECK(cmos_read(rtc, 0x5B) == 0);
    CHECK(cmos_read(rtc, 0x5C) == 0);
    CHECK(cmos_read(rtc, 0x5D) == 0);
    CHECK(cmos_read(rtc, 0x5F) == 0);
}

TEST_CASE("CmosRtc memory-size fields for 5 GiB split 3 GiB low / 2 GiB high, four CPUs")
{
    CmosRtc rtc(3 * GiB, 2 * GiB, 4);
    unsigned low_units = read16(rtc, 0x34);
    CHECK(low_units == 0xBF00);
    // What SeaBIOS reconstructs from them.
    CHECK((uint64_t(low_units) << 16) + 16 * MiB == 3 * GiB);
    uint64_t high = uint64_t(cmos_read(rtc, 0x5B)) << 16 | uint64_t(cmos_read(rtc, 0x5C)) << 24 | uint64_t(cmos_read(rtc, 0x5D)) << 32;
    CHECK(high == 2 * GiB);
    CHECK(cmos_read(rtc, 0x5F) == 3);
}

TEST_CASE("CmosRtc small memory: extended KiB exact, nothing above 16 MiB")
{
    CmosRtc rtc(12 * MiB, 0, 1);
    CHECK(read16(rtc, 0x17) == 11 * 1024);
    CHECK(read16(rtc, 0x30) == 11 * 1024);
    CHECK(read16(rtc, 0x34) == 0);
}

TEST_CASE("CmosRtc index: bit 7 masks NMI and is not part of the register number")
{
    CmosRtc rtc(256 * MiB, 0, 1);
    CHECK_FALSE(rtc.nmi_masked());
    CHECK(cmos_read(rtc, 0x80 | 0x0D) == 0x80);
    CHECK(rtc.nmi_masked());
    CHECK(cmos_read(rtc, 0x80 | 0x15) == 0x80); // low byte of 640
    CHECK(cmos_read(rtc, 0x0D) == 0x80);
    CHECK_FALSE(rtc.nmi_masked());

    uint8_t index[1];
    rtc.io_read(0, index);
    CHECK(index[0] == 0xFF);
}
