#include "spice-common/wire_reader.h"
#include "spice-common/wire_writer.h"

#include <doctest/doctest.h>
#include <spice/protocol.h>

using namespace spicebox;

TEST_CASE("WireWriter writes little-endian integers and packed structs; patch_u32 overwrites in place")
{
    std::vector<uint8_t> out;
    WireWriter writer(out);
    writer.put_u8(0x01);
    writer.put_u16(0x0302);
    writer.put_u32(0x07060504);
    writer.put_u64(0x0F0E0D0C0B0A0908);
    writer.put(SpiceMiniDataHeader { 0x1234, 0 });
    writer.patch_u32(15 + 2, 0xAABBCCDD);
    CHECK(out == std::vector<uint8_t> { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x34, 0x12, 0xDD, 0xCC, 0xBB, 0xAA });
}

TEST_CASE("WireReader reads what is there and fails cleanly past the end")
{
    const uint8_t bytes[] = { 0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0xFF };
    WireReader reader(bytes);
    auto header = reader.read<SpiceMiniDataHeader>("a header");
    REQUIRE(header.ok());
    uint16_t type = header->type;
    uint32_t size = header->size;
    CHECK(type == 2);
    CHECK(size == 0x100);
    CHECK(reader.offset() == 6);
    CHECK(reader.remaining() == 2);

    auto too_long = reader.read<uint32_t>("a u32");
    REQUIRE_FALSE(too_long.ok());
    CHECK(too_long.error().message == "a u32 is cut short: 4 bytes needed at offset 6, 2 left");
    // A failed read consumes nothing.
    CHECK(reader.remaining() == 2);
    CHECK_FALSE(reader.expect_end("the message").ok());
    CHECK(reader.read<uint16_t>("a u16").value() == 0xFF00);
    CHECK(reader.expect_end("the message").ok());
    CHECK_FALSE(reader.read_bytes(1, "a byte").ok());
}

TEST_CASE("WireReader::read_bytes and skip check the length before moving")
{
    const uint8_t bytes[] = { 1, 2, 3 };
    WireReader reader(bytes);
    CHECK_FALSE(reader.skip(4, "padding").ok());
    CHECK(reader.skip(1, "padding").ok());
    auto rest = reader.read_bytes(2, "data");
    REQUIRE(rest.ok());
    CHECK(rest->size() == 2);
    CHECK((*rest)[0] == 2);
    CHECK(reader.at_end());
}
