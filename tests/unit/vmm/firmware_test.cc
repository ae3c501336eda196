#include "devices/fw_cfg.h"
#include "vmm/bios_image.h"
#include "vmm/firmware_config.h"

#include <cstring>
#include <doctest/doctest.h>
#include <vector>

using namespace spicebox;

namespace {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
constexpr uint64_t GiB = 1024 * MiB;

struct RawE820 {
    uint64_t address;
    uint64_t length;
    uint32_t type;
};

std::vector<RawE820> parse_e820(const std::vector<uint8_t>& bytes)
{
    constexpr size_t entry_size = 20;
    REQUIRE(bytes.size() % entry_size == 0);
    std::vector<RawE820> entries;
    for (size_t at = 0; at < bytes.size(); at += entry_size) {
        RawE820 entry {};
        std::memcpy(&entry.address, &bytes[at], 8);
        std::memcpy(&entry.length, &bytes[at + 8], 8);
        std::memcpy(&entry.type, &bytes[at + 16], 4);
        entries.push_back(entry);
    }
    return entries;
}

// Reads a whole fw_cfg file through the ports, as SeaBIOS does without DMA.
std::vector<uint8_t> read_file(FwCfg& fw_cfg, const std::string& name)
{
    auto select = [&](uint16_t key) {
        uint8_t bytes[2] = { uint8_t(key), uint8_t(key >> 8) };
        fw_cfg.io_write(0, bytes);
    };
    auto next = [&] {
        uint8_t byte[1];
        fw_cfg.io_read(1, byte);
        return byte[0];
    };
    auto be = [&](size_t count) {
        uint32_t value = 0;
        for (size_t i = 0; i < count; ++i)
            value = value << 8 | next();
        return value;
    };
    select(uint16_t(FwCfgKey::FileDir));
    uint32_t count = be(4);
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t size = be(4);
        uint16_t key = uint16_t(be(2));
        be(2);
        std::string entry_name;
        for (size_t c = 0; c < FwCfg::file_name_size; ++c) {
            char ch = char(next());
            if (ch)
                entry_name += ch;
        }
        if (entry_name != name)
            continue;
        select(key);
        std::vector<uint8_t> bytes;
        for (uint32_t b = 0; b < size; ++b)
            bytes.push_back(next());
        return bytes;
    }
    FAIL("no fw_cfg file " << name);
    return {};
}

std::vector<uint8_t> read_item(FwCfg& fw_cfg, FwCfgKey key, size_t size)
{
    uint8_t select[2] = { uint8_t(uint16_t(key)), uint8_t(uint16_t(key) >> 8) };
    fw_cfg.io_write(0, select);
    std::vector<uint8_t> bytes(size);
    for (auto& byte : bytes) {
        uint8_t one[1];
        fw_cfg.io_read(1, one);
        byte = one[0];
    }
    return bytes;
}

} // namespace

TEST_CASE("BIOS images must be 64 KiB..16 MiB in 64 KiB steps")
{
    for (uint64_t size : { uint64_t(0), 4 * KiB, 64 * KiB - 1, 100 * KiB, 16 * MiB + 64 * KiB }) {
        std::vector<uint8_t> file(size);
        auto image = BiosImage::create(file, "bad.bin");
        REQUIRE_FALSE(image.ok());
        CHECK(image.error().message == "BIOS image bad.bin is " + std::to_string(size) + " bytes: it must be 64 KiB to 16 MiB, a multiple of 64 KiB");
    }
    std::vector<uint8_t> largest(16 * MiB);
    auto image = BiosImage::create(largest, "big.bin");
    REQUIRE(image.ok());
    CHECK(image->guest_address() == 4 * GiB - 16 * MiB);
    CHECK(image->low_alias().size() == 128 * KiB);
}

TEST_CASE("A BIOS image ends at 4 GiB and its tail is the low alias")
{
    std::vector<uint8_t> file(128 * KiB);
    for (size_t i = 0; i < file.size(); ++i)
        file[i] = uint8_t(i * 7);
    auto image = BiosImage::create(file, "bios.bin");
    REQUIRE(image.ok());
    CHECK(image->guest_address() == 0xFFFE0000);
    CHECK(std::vector<uint8_t>(image->bytes().begin(), image->bytes().end()) == file);
    CHECK(reinterpret_cast<uintptr_t>(image->bytes().data()) % 4096 == 0);
    CHECK(image->low_alias().data() == image->bytes().data());

    std::vector<uint8_t> bigger(256 * KiB);
    auto big = BiosImage::create(bigger, "bios-256k.bin");
    REQUIRE(big.ok());
    CHECK(big->low_alias().data() == big->bytes().data() + 128 * KiB);
    CHECK(big->low_alias().size() == 128 * KiB);

    std::vector<uint8_t> small(64 * KiB);
    auto small_image = BiosImage::create(small, "small.bin");
    REQUIRE(small_image.ok());
    CHECK(small_image->low_alias().size() == 64 * KiB);

    BiosImage moved = std::move(*big);
    CHECK(moved.bytes().size() == 256 * KiB);
    CHECK(big->bytes().empty());
}

TEST_CASE("etc/e820 has RAM around the PCI hole and the KVM pages reserved, in QEMU's layout")
{
    auto small = parse_e820(firmware_e820_file(256 * MiB));
    REQUIRE(small.size() == 2);
    CHECK(small[0].address == 0);
    CHECK(small[0].length == 256 * MiB);
    CHECK(small[0].type == 1);
    CHECK(small[1].address == 0xFEFFC000);
    CHECK(small[1].length == 16 * KiB);
    CHECK(small[1].type == 2);

    auto large = parse_e820(firmware_e820_file(5 * GiB));
    REQUIRE(large.size() == 3);
    CHECK(large[0].length == 3 * GiB);
    CHECK(large[2].address == 4 * GiB);
    CHECK(large[2].length == 2 * GiB);
    CHECK(large[2].type == 1);
}

TEST_CASE("Firmware config: the items SeaBIOS reads, with this machine's values")
{
    GuestMemory memory;
    FwCfg fw_cfg(memory);
    REQUIRE(add_firmware_config(fw_cfg, 512 * MiB, 4).ok());

    CHECK(read_item(fw_cfg, FwCfgKey::RamSize, 8) == std::vector<uint8_t> { 0, 0, 0, 0x20, 0, 0, 0, 0 });
    CHECK(read_item(fw_cfg, FwCfgKey::NbCpus, 2) == std::vector<uint8_t> { 4, 0 });
    CHECK(read_item(fw_cfg, FwCfgKey::MaxCpus, 2) == std::vector<uint8_t> { 4, 0 });
    CHECK(read_item(fw_cfg, FwCfgKey::IrqOverride, 4) == std::vector<uint8_t> { 1, 0, 0, 0 });
    // The boot menu flag and the NUMA table are zeros, which read as an absent item would: nothing
    // to check from the guest's side.

    CHECK(read_file(fw_cfg, "etc/boot-fail-wait") == std::vector<uint8_t> { 0xFF, 0xFF, 0xFF, 0xFF });
    CHECK(read_file(fw_cfg, "bootorder").empty());
    CHECK(read_file(fw_cfg, "etc/e820") == firmware_e820_file(512 * MiB));

    // Adding them twice fails rather than shadowing the first set.
    CHECK_FALSE(add_firmware_config(fw_cfg, 512 * MiB, 4).ok());
}
