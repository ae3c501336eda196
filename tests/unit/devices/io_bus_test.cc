#include "devices/io_bus.h"

#include <doctest/doctest.h>
#include <vector>

using namespace spicebox;

namespace {

class RecordingDevice final : public IoDevice {
public:
    void io_read(uint64_t offset, std::span<uint8_t> data) override { set_io_value(data, 0x100 + offset); }
    void io_write(uint64_t offset, std::span<const uint8_t> data) override { writes.push_back({ offset, io_value(data) }); }
    std::string_view io_name() const override { return "recorder"; }
    std::vector<std::pair<uint64_t, uint64_t>> writes;
};

}

TEST_CASE("IoBus dispatches by range with offsets relative to the base")
{
    IoBus bus("pio", 0xFF);
    auto device = std::make_shared<RecordingDevice>();
    REQUIRE(bus.map(0x3F8, 8, device).ok());

    uint8_t word[2];
    CHECK(bus.read(0x3FA, word));
    CHECK(io_value(word) == 0x102);

    const uint8_t byte[1] = { 0x41 };
    CHECK(bus.write(0x3F8, byte));
    REQUIRE(device->writes.size() == 1);
    CHECK(device->writes[0] == std::pair<uint64_t, uint64_t>(0, 0x41));
}

TEST_CASE("IoBus rejects overlaps and answers unmapped accesses with the bus's idle value")
{
    IoBus bus("pio", 0xFF);
    auto device = std::make_shared<RecordingDevice>();
    REQUIRE(bus.map(0x60, 1, device).ok());
    CHECK_FALSE(bus.map(0x5F, 2, device).ok());
    CHECK_FALSE(bus.map(0x60, 1, device).ok());
    CHECK(bus.map(0x61, 1, device).ok());

    uint8_t dword[4];
    CHECK_FALSE(bus.read(0x1234, dword));
    CHECK(io_value(dword) == 0xFFFFFFFF);
    // An access that starts inside a range but runs past its end is not that device's.
    CHECK_FALSE(bus.read(0x61, dword));
    CHECK(bus.unmapped_accesses() == 2);

    bus.unmap(0x60);
    uint8_t byte[1];
    CHECK_FALSE(bus.read(0x60, byte));
}
