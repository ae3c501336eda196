#include "devices/fw_cfg.h"

#include <algorithm>
#include <array>
#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace spicebox;

namespace {

// Ports as offsets from 0x510.
constexpr uint64_t selector = 0, data_port = 1, dma_high = 4, dma_low = 8;

// 64 KiB of guest RAM at 0x10000, so that 0..0xFFFF and 0x20000 and up are outside guest memory.
constexpr uint64_t ram_base = 0x10000;
constexpr size_t ram_size = 0x10000;

struct Machine {
    std::vector<uint8_t> ram = std::vector<uint8_t>(ram_size, 0xAA);
    GuestMemory memory;
    FwCfg fw_cfg { memory };

    Machine() { REQUIRE(memory.add_region(ram_base, ram, "ram").ok()); }

    void select(uint16_t key)
    {
        uint8_t bytes[2] = { uint8_t(key), uint8_t(key >> 8) };
        fw_cfg.io_write(selector, bytes);
    }
    uint8_t read_byte(uint64_t port = data_port)
    {
        uint8_t byte[1] = { 0x55 };
        fw_cfg.io_read(port, byte);
        return byte[0];
    }
    std::vector<uint8_t> read_bytes(size_t count)
    {
        std::vector<uint8_t> bytes;
        for (size_t i = 0; i < count; ++i)
            bytes.push_back(read_byte());
        return bytes;
    }
    void write_be32(uint64_t port, uint32_t value)
    {
        uint8_t bytes[4] = { uint8_t(value >> 24), uint8_t(value >> 16), uint8_t(value >> 8), uint8_t(value) };
        fw_cfg.io_write(port, bytes);
    }
    uint8_t* at(uint64_t address) { return ram.data() + (address - ram_base); }
    void put_descriptor(uint64_t address, uint32_t control, uint32_t length, uint64_t buffer)
    {
        uint8_t* p = at(address);
        for (int i = 0; i < 4; ++i) {
            p[i] = uint8_t(control >> (24 - 8 * i));
            p[4 + i] = uint8_t(length >> (24 - 8 * i));
        }
        for (int i = 0; i < 8; ++i)
            p[8 + i] = uint8_t(buffer >> (56 - 8 * i));
    }
    uint32_t control_at(uint64_t address)
    {
        uint8_t* p = at(address);
        return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
    }
    // SeaBIOS's way: only the low half, which starts the transfer.
    void run_dma(uint64_t descriptor)
    {
        write_be32(dma_high, uint32_t(descriptor >> 32));
        write_be32(dma_low, uint32_t(descriptor));
    }
};

uint32_t be32(const std::vector<uint8_t>& bytes, size_t at)
{
    return uint32_t(bytes[at]) << 24 | uint32_t(bytes[at + 1]) << 16 | uint32_t(bytes[at + 2]) << 8 | bytes[at + 3];
}

std::vector<uint8_t> bytes_of(std::string_view text)
{
    return { text.begin(), text.end() };
}

} // namespace

TEST_CASE("fw_cfg: signature and ID through the selector and data ports")
{
    Machine m;
    // Selected after reset: the signature.
    CHECK(m.read_bytes(4) == bytes_of("QEMU"));
    CHECK(m.read_byte() == 0); // past the end

    m.select(uint16_t(FwCfgKey::Signature));
    CHECK(m.read_bytes(4) == bytes_of("QEMU"));

    m.select(uint16_t(FwCfgKey::Id));
    CHECK(m.read_bytes(4) == std::vector<uint8_t> { 0x03, 0, 0, 0 }); // traditional + DMA

    // A byte read of the selector port reads data too (QEMU decodes by size); wider reads do not.
    m.select(uint16_t(FwCfgKey::Signature));
    CHECK(m.read_byte(selector) == 'Q');
    uint8_t wide[2] = { 0x55, 0x55 };
    m.fw_cfg.io_read(data_port - 1, wide);
    CHECK(wide[0] == 0);
    CHECK(m.read_byte() == 'E');
}

TEST_CASE("fw_cfg: items, the write bit of the selector, and unknown keys")
{
    Machine m;
    REQUIRE(m.fw_cfg.add_item(FwCfgKey::NbCpus, { 2, 0 }).ok());
    REQUIRE(m.fw_cfg.add_item(FwCfgKey::IrqOverride, { 1, 0, 0, 0 }).ok());

    m.select(uint16_t(FwCfgKey::NbCpus) | 0x4000);
    CHECK(m.read_bytes(3) == std::vector<uint8_t> { 2, 0, 0 });
    m.select(uint16_t(FwCfgKey::IrqOverride));
    CHECK(m.read_bytes(4) == std::vector<uint8_t> { 1, 0, 0, 0 });
    // Without the architecture bit it is another (absent) item.
    m.select(uint16_t(FwCfgKey::IrqOverride) & 0x7FFF);
    CHECK(m.read_byte() == 0);
    m.select(0x3FFF);
    CHECK(m.read_byte() == 0);

    // Data writes and byte writes of the selector change nothing.
    m.select(uint16_t(FwCfgKey::NbCpus));
    const uint8_t junk[1] = { 0x77 };
    m.fw_cfg.io_write(data_port, junk);
    m.fw_cfg.io_write(selector, junk);
    CHECK(m.read_byte() == 2);

    CHECK_FALSE(m.fw_cfg.add_item(FwCfgKey::NbCpus, { 1, 0 }).ok());
    CHECK_FALSE(m.fw_cfg.add_item(FwCfgKey::FileDir, {}).ok());
    CHECK_FALSE(m.fw_cfg.add_item(FwCfgKey::FileFirst, {}).ok());
}

TEST_CASE("fw_cfg: files get keys from 0x20 and a big-endian directory entry")
{
    Machine m;
    REQUIRE(m.fw_cfg.add_file("etc/boot-fail-wait", { 0xFF, 0xFF, 0xFF, 0xFF }).ok());
    REQUIRE(m.fw_cfg.add_file("bootorder", {}).ok());
    CHECK_FALSE(m.fw_cfg.add_file("bootorder", {}).ok());
    CHECK_FALSE(m.fw_cfg.add_file("", {}).ok());
    CHECK_FALSE(m.fw_cfg.add_file(std::string(FwCfg::file_name_size, 'x'), {}).ok());
    CHECK(m.fw_cfg.add_file(std::string(FwCfg::file_name_size - 1, 'x'), {}).ok());

    m.select(uint16_t(FwCfgKey::FileDir));
    auto directory = m.read_bytes(4 + 3 * 64);
    CHECK(be32(directory, 0) == 3);
    CHECK(be32(directory, 4) == 4);                 // size
    CHECK(be32(directory, 8) == 0x00200000);        // key 0x20, reserved 0
    CHECK(std::string(reinterpret_cast<const char*>(&directory[12])) == "etc/boot-fail-wait");
    CHECK(be32(directory, 4 + 64) == 0);
    CHECK(be32(directory, 8 + 64) == 0x00210000);
    CHECK(std::string(reinterpret_cast<const char*>(&directory[12 + 64])) == "bootorder");
    CHECK(directory[4 + 2 * 64 + 8 + 55] == 0); // the longest name keeps its NUL

    m.select(0x20);
    CHECK(m.read_bytes(5) == std::vector<uint8_t> { 0xFF, 0xFF, 0xFF, 0xFF, 0 });
}

TEST_CASE("fw_cfg: the DMA register reads back its signature")
{
    Machine m;
    std::string signature;
    for (uint64_t port = dma_high; port < dma_high + 8; ++port)
        signature += char(m.read_byte(port));
    CHECK(signature == "QEMU CFG");
    uint8_t word[4];
    m.fw_cfg.io_read(dma_low, word);
    CHECK(std::string(word, word + 4) == " CFG");
}

TEST_CASE("fw_cfg: DMA select and read copies the item, zero-fills past its end, clears control")
{
    Machine m;
    REQUIRE(m.fw_cfg.add_file("etc/e820", { 1, 2, 3, 4, 5, 6 }).ok());
    constexpr uint64_t descriptor = 0x11000, buffer = 0x12000;
    m.put_descriptor(descriptor, 0x00200000 | FwCfg::dma_select | FwCfg::dma_read, 8, buffer);
    m.run_dma(descriptor);
    CHECK(m.control_at(descriptor) == 0);
    CHECK(std::vector<uint8_t>(m.at(buffer), m.at(buffer) + 9) == std::vector<uint8_t> { 1, 2, 3, 4, 5, 6, 0, 0, 0xAA });

    // Without select, a transfer continues where the last one ended; skip advances too.
    m.put_descriptor(descriptor, FwCfg::dma_select | FwCfg::dma_read, 2, buffer); // key 0: signature
    m.run_dma(descriptor);
    m.put_descriptor(descriptor, FwCfg::dma_skip, 1, 0);
    m.run_dma(descriptor);
    CHECK(m.control_at(descriptor) == 0);
    m.put_descriptor(descriptor, FwCfg::dma_read, 1, buffer + 2);
    m.run_dma(descriptor);
    CHECK(std::string(m.at(buffer), m.at(buffer) + 3) == "QEU");
    // ...and the port interface shares the position.
    CHECK(m.read_byte() == 0);

    // A control word with no operation does nothing and succeeds.
    m.put_descriptor(descriptor, 0, 4, buffer);
    m.run_dma(descriptor);
    CHECK(m.control_at(descriptor) == 0);
}

TEST_CASE("fw_cfg: a DMA read of a key without an item zero-fills the buffer")
{
    // Found by tests/fuzz/fw_cfg_fuzzer: this descriptor (select key 2, which holds no item, and read
    // 0x2B0100 bytes to 0x23) passed memcpy a null source, undefined behaviour UBSan stops on.
    const uint8_t fuzzed_descriptor[] = { 0x00, 0x02, 0x00, 0x0a, 0x00, 0x2b, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x23 };
    Machine m;
    constexpr uint64_t descriptor = 0x11000, buffer = 0x12000;
    std::copy(std::begin(fuzzed_descriptor), std::end(fuzzed_descriptor), m.at(descriptor));
    m.run_dma(descriptor);
    CHECK(m.control_at(descriptor) == FwCfg::dma_error); // 0x23 is outside guest memory

    m.put_descriptor(descriptor, 0x00020000 | FwCfg::dma_select | FwCfg::dma_read, 4, buffer);
    m.run_dma(descriptor);
    CHECK(m.control_at(descriptor) == 0);
    CHECK(std::vector<uint8_t>(m.at(buffer), m.at(buffer) + 5) == std::vector<uint8_t> { 0, 0, 0, 0, 0xAA });
}

TEST_CASE("fw_cfg: a DMA read may cross from one RAM region into the next")
{
    std::vector<uint8_t> low(0x1000), high(0x1000);
    GuestMemory memory;
    REQUIRE(memory.add_region(0x1000, low, "low").ok());
    REQUIRE(memory.add_region(0x2000, high, "high").ok());
    FwCfg fw_cfg(memory);
    std::vector<uint8_t> item(0x20);
    for (size_t i = 0; i < item.size(); ++i)
        item[i] = uint8_t(i + 1);
    REQUIRE(fw_cfg.add_file("f", item).ok());

    uint8_t descriptor[16] = { 0x00, 0x20, 0x00, FwCfg::dma_select | FwCfg::dma_read, 0, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0x1F, 0xF0 };
    std::copy(std::begin(descriptor), std::end(descriptor), low.begin());
    const uint8_t address[4] = { 0, 0, 0x10, 0x00 };
    fw_cfg.io_write(dma_low, address);
    CHECK(low[3] == 0); // control cleared
    CHECK(low[0xFF0] == 1);
    CHECK(low[0xFFF] == 0x10);
    CHECK(high[0] == 0x11);
    CHECK(high[0xF] == 0x20);
}

TEST_CASE("fw_cfg: hostile DMA descriptors set the error bit and never touch memory outside RAM")
{
    Machine m;
    REQUIRE(m.fw_cfg.add_file("etc/e820", std::vector<uint8_t>(20, 7)).ok());
    constexpr uint64_t descriptor = 0x11000;

    SUBCASE("buffer outside guest memory")
    {
        m.put_descriptor(descriptor, 0x00200000 | FwCfg::dma_select | FwCfg::dma_read, 20, 0x40000);
        m.run_dma(descriptor);
        CHECK(m.control_at(descriptor) == FwCfg::dma_error);
    }
    SUBCASE("buffer running off the end of RAM")
    {
        m.put_descriptor(descriptor, 0x00200000 | FwCfg::dma_select | FwCfg::dma_read, 0x100, ram_base + ram_size - 0x10);
        m.run_dma(descriptor);
        CHECK(m.control_at(descriptor) == FwCfg::dma_error);
    }
    SUBCASE("huge length past the item: zero-fill stops at the end of RAM")
    {
        m.put_descriptor(descriptor, 0x00200000 | FwCfg::dma_select | FwCfg::dma_read, 0xFFFFFFFF, 0x18000);
        m.run_dma(descriptor);
        CHECK(m.control_at(descriptor) == FwCfg::dma_error);
        CHECK(*m.at(0x18000) == 7);
        CHECK(*m.at(0x18014) == 0);
        CHECK(*m.at(ram_base + ram_size - 1) == 0);
    }
    SUBCASE("buffer address wrapping around 2^64")
    {
        m.put_descriptor(descriptor, 0x00200000 | FwCfg::dma_select | FwCfg::dma_read, 0x100, ~uint64_t(0) - 0x10);
        m.run_dma(descriptor);
        CHECK(m.control_at(descriptor) == FwCfg::dma_error);
    }
    SUBCASE("writes are refused")
    {
        m.put_descriptor(descriptor, 0x00200000 | FwCfg::dma_select | FwCfg::dma_write, 4, 0x12000);
        m.run_dma(descriptor);
        CHECK(m.control_at(descriptor) == FwCfg::dma_error);
        m.select(0x20);
        CHECK(m.read_byte() == 7);
    }
    SUBCASE("descriptor outside guest memory: nothing to report to, nothing breaks")
    {
        m.run_dma(0x30000);
        m.write_be32(dma_high, 0xFFFFFFFF);
        m.write_be32(dma_low, 0xFFFFFFF8);
        CHECK(m.read_byte() == 'Q');
    }
    SUBCASE("descriptor straddling the end of RAM: its control word still gets the error bit")
    {
        m.run_dma(ram_base + ram_size - 8);
        CHECK(m.control_at(ram_base + ram_size - 8) == FwCfg::dma_error);
        CHECK(*m.at(ram_base + ram_size - 4) == 0xAA);
    }
    SUBCASE("the high half is forgotten after each transfer")
    {
        m.write_be32(dma_high, 1);
        m.write_be32(dma_low, uint32_t(descriptor)); // 0x1'0001'1000: outside, no effect
        m.put_descriptor(descriptor, FwCfg::dma_select | FwCfg::dma_read, 4, 0x12000);
        m.write_be32(dma_low, uint32_t(descriptor));
        CHECK(m.control_at(descriptor) == 0);
        CHECK(std::string(m.at(0x12000), m.at(0x12000) + 4) == "QEMU");
    }
}
