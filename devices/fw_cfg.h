// QEMU's firmware configuration device (fw_cfg), as SeaBIOS expects to find it on a PC
// (QEMU docs/specs/fw_cfg.rst, hw/nvram/fw_cfg.c). The machine maps base 0x510, size 12:
//   0x510  selector, a 16-bit write picks the item (bit 15: architecture-specific items; bit 14, the
//          old "write" flag, is ignored, as in QEMU since 2.4); offset and DMA state survive it;
//   0x511  data, each 8-bit read returns the next byte of the item, and zero past its end (a byte
//          read of 0x510 does the same: QEMU decodes by access size); data writes are ignored;
//   0x514  DMA address, big-endian: a 32-bit write at 0x514 latches the high half, a 32-bit write
//          at 0x518 ORs in the low half and runs the transfer (SeaBIOS writes only the low half);
//          reads return the signature "QEMU CFG".
// A DMA transfer reads the 16-byte descriptor (be32 control, be32 length, be64 address) from guest
// memory, optionally selects (control bits 31..16), then reads (copies the item, then zeros past
// its end), skips, or fails a write (no item here is writable), and stores the control word back:
// 0 when done, the error bit when any guest range was outside guest memory or the request was a
// write. A descriptor that cannot be read gets the error bit if its control word can be written.
//
// Items are added before the guest runs: fixed keys, and named files that get keys from 0x20 up
// and a directory entry at key 0x19 (be32 count, then per file be32 size, be16 key, be16 zero,
// 56-byte NUL-padded name).
//
// Threads: one mutex guards the selection and the DMA latch; transfers run with it held.
#pragma once

#include "base/result.h"
#include "devices/io_device.h"
#include "vmm/guest_memory.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace spicebox {

// The item keys QEMU defines and SeaBIOS reads.
enum class FwCfgKey : uint16_t {
    Signature = 0x00,
    Id = 0x01,
    RamSize = 0x03,
    NoGraphic = 0x04,
    NbCpus = 0x05,
    Numa = 0x0D,
    BootMenu = 0x0E,
    MaxCpus = 0x0F,
    FileDir = 0x19,
    FileFirst = 0x20,
    IrqOverride = 0x8002,
};

class FwCfg final : public IoDevice {
public:
    static constexpr uint64_t port_base = 0x510;
    static constexpr uint64_t port_count = 12;
    static constexpr size_t file_name_size = 56; // NUL included
    static constexpr size_t max_files = 0x4000 - uint16_t(FwCfgKey::FileFirst); // keys up to 0x3FFF

    // Control-word bits of a DMA descriptor.
    static constexpr uint32_t dma_error = 0x01;
    static constexpr uint32_t dma_read = 0x02;
    static constexpr uint32_t dma_skip = 0x04;
    static constexpr uint32_t dma_select = 0x08;
    static constexpr uint32_t dma_write = 0x10;

    // Starts with the signature, the ID (traditional and DMA interfaces) and an empty directory.
    // `memory` is where DMA descriptors and buffers live; it must outlive the device.
    explicit FwCfg(const GuestMemory& memory);

    // Fails if the key is taken, is the directory's, lies in the file range, or the item is larger
    // than the 32-bit length a descriptor can express.
    Result<void> add_item(FwCfgKey key, std::vector<uint8_t> data);
    // Fails on an empty name, a name of file_name_size bytes or more, a name already present, or
    // a full directory.
    Result<void> add_file(const std::string& name, std::vector<uint8_t> data);

    void io_read(uint64_t offset, std::span<uint8_t> data) override;
    void io_write(uint64_t offset, std::span<const uint8_t> data) override;
    std::string_view io_name() const override { return "fw_cfg"; }

private:
    Result<void> add(uint16_t key, std::vector<uint8_t> data);
    void select(uint16_t key);
    const std::vector<uint8_t>* selected_item() const;
    void run_dma(uint64_t descriptor_address);
    bool transfer(uint32_t control, uint32_t length, uint64_t address);

    const GuestMemory& m_memory;
    std::mutex m_mutex;
    std::map<uint16_t, std::vector<uint8_t>> m_items;
    std::vector<std::string> m_file_names;
    uint16_t m_selected { uint16_t(FwCfgKey::Signature) };
    uint64_t m_offset { 0 };
    uint64_t m_dma_address { 0 };
};

} // namespace spicebox
