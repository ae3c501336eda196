#include "devices/fw_cfg.h"

#include "base/log.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstring>

namespace spicebox {

namespace {

// Offsets inside the mapped range.
enum class Register : uint64_t {
    Selector = 0,
    Data = 1,
    DmaHigh = 4,
    DmaLow = 8,
};
constexpr uint64_t dma_register_size = 8;

namespace key_bits {
constexpr uint16_t arch_local = 0x8000;
constexpr uint16_t entry_mask = 0x3FFF;
}

// Item ID: bit 0, the traditional selector/data interface; bit 1, DMA.
constexpr uint32_t id_traditional = 0x1;
constexpr uint32_t id_dma = 0x2;

constexpr std::string_view signature = "QEMU";
constexpr std::string_view dma_signature = "QEMU CFG";

constexpr size_t directory_header_size = 4;
constexpr size_t directory_entry_size = 64; // be32 size, be16 key, be16 reserved, name

// Descriptor layout (all big-endian).
constexpr size_t descriptor_size = 16;
constexpr size_t descriptor_control = 0;
constexpr size_t descriptor_length = 4;
constexpr size_t descriptor_address = 8;

// Guest buffers are written a page at a time so that a transfer may cross from one RAM region into
// the next one; every region starts and ends on a page boundary.
constexpr uint64_t dma_chunk = 4096;

uint16_t normalized(uint16_t key)
{
    return key & (key_bits::arch_local | key_bits::entry_mask);
}

uint64_t big_endian(std::span<const uint8_t> bytes)
{
    uint64_t value = 0;
    for (uint8_t byte : bytes)
        value = value << 8 | byte;
    return value;
}

void put_big_endian(std::span<uint8_t> bytes, uint64_t value)
{
    for (size_t i = bytes.size(); i-- > 0; value >>= 8)
        bytes[i] = uint8_t(value);
}

std::vector<uint8_t> little_endian32(uint32_t value)
{
    return { uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16), uint8_t(value >> 24) };
}

} // namespace

FwCfg::FwCfg(const GuestMemory& memory)
    : m_memory(memory)
{
    m_items[uint16_t(FwCfgKey::Signature)] = std::vector<uint8_t>(signature.begin(), signature.end());
    m_items[uint16_t(FwCfgKey::Id)] = little_endian32(id_traditional | id_dma);
    m_items[uint16_t(FwCfgKey::FileDir)] = std::vector<uint8_t>(directory_header_size, 0);
}

Result<void> FwCfg::add_item(FwCfgKey key, std::vector<uint8_t> data)
{
    uint16_t raw = uint16_t(key);
    uint16_t entry = raw & key_bits::entry_mask;
    if (key == FwCfgKey::FileDir || (!(raw & key_bits::arch_local) && entry >= uint16_t(FwCfgKey::FileFirst)))
        return Error { "fw_cfg: key " + std::to_string(raw) + " is reserved for files" };
    std::lock_guard lock(m_mutex);
    return add(normalized(raw), std::move(data));
}

Result<void> FwCfg::add_file(const std::string& name, std::vector<uint8_t> data)
{
    if (name.empty() || name.size() >= file_name_size)
        return Error { "fw_cfg: file name '" + name + "' must be 1.." + std::to_string(file_name_size - 1) + " bytes" };
    std::lock_guard lock(m_mutex);
    if (std::find(m_file_names.begin(), m_file_names.end(), name) != m_file_names.end())
        return Error { "fw_cfg: file " + name + " is already present" };
    if (m_file_names.size() >= max_files)
        return Error { "fw_cfg: the file directory is full" };

    uint16_t key = uint16_t(uint16_t(FwCfgKey::FileFirst) + m_file_names.size());
    uint32_t size = uint32_t(data.size());
    TRY(add(key, std::move(data)));
    m_file_names.push_back(name);

    auto& directory = m_items[uint16_t(FwCfgKey::FileDir)];
    put_big_endian(std::span(directory).first(directory_header_size), m_file_names.size());
    std::array<uint8_t, directory_entry_size> entry {};
    put_big_endian(std::span(entry).subspan(0, 4), size);
    put_big_endian(std::span(entry).subspan(4, 2), key);
    std::memcpy(entry.data() + 8, name.data(), name.size());
    directory.insert(directory.end(), entry.begin(), entry.end());
    return {};
}

Result<void> FwCfg::add(uint16_t key, std::vector<uint8_t> data)
{
    if (data.size() > UINT32_MAX)
        return Error { "fw_cfg: item " + std::to_string(key) + " is larger than 4 GiB" };
    if (!m_items.emplace(key, std::move(data)).second)
        return Error { "fw_cfg: key " + std::to_string(key) + " is already present" };
    return {};
}

void FwCfg::select(uint16_t key)
{
    m_selected = normalized(key);
    m_offset = 0;
}

const std::vector<uint8_t>* FwCfg::selected_item() const
{
    auto it = m_items.find(m_selected);
    return it == m_items.end() ? nullptr : &it->second;
}

void FwCfg::io_read(uint64_t offset, std::span<uint8_t> data)
{
    std::fill(data.begin(), data.end(), 0);
    if (offset >= uint64_t(Register::DmaHigh)) {
        for (size_t i = 0; i < data.size(); ++i) {
            uint64_t index = offset - uint64_t(Register::DmaHigh) + i;
            if (index < dma_register_size)
                data[i] = uint8_t(dma_signature[index]);
        }
        return;
    }
    // Only byte reads reach the data register, at either port (QEMU decodes by size, not address).
    if (offset > uint64_t(Register::Data) || data.size() != 1)
        return;
    std::lock_guard lock(m_mutex);
    const auto* item = selected_item();
    if (item && m_offset < item->size())
        data[0] = (*item)[m_offset++];
}

void FwCfg::io_write(uint64_t offset, std::span<const uint8_t> data)
{
    std::lock_guard lock(m_mutex);
    if (offset == uint64_t(Register::Selector) && data.size() == 2) {
        select(uint16_t(io_value(data)));
    } else if (offset == uint64_t(Register::DmaHigh) && data.size() == 4) {
        m_dma_address = big_endian(data) << 32;
    } else if (offset == uint64_t(Register::DmaLow) && data.size() == 4) {
        m_dma_address |= big_endian(data);
        run_dma(std::exchange(m_dma_address, 0));
    } else if (offset == uint64_t(Register::DmaHigh) && data.size() == 8) {
        m_dma_address = 0;
        run_dma(big_endian(data));
    }
    // Anything else (data writes among them) is ignored, as by QEMU.
}

void FwCfg::run_dma(uint64_t address)
{
    std::array<uint8_t, descriptor_size> descriptor {};
    std::array<uint8_t, 4> status {};
    if (!m_memory.read(address, descriptor)) {
        LOG_DEBUG("fw_cfg", "DMA descriptor at 0x%" PRIx64 " is outside guest memory", address);
        put_big_endian(status, dma_error);
        [[maybe_unused]] auto stored = m_memory.write(address, status);
        return;
    }
    auto control = uint32_t(big_endian(std::span(descriptor).subspan(descriptor_control, 4)));
    auto length = uint32_t(big_endian(std::span(descriptor).subspan(descriptor_length, 4)));
    uint64_t buffer = big_endian(std::span(descriptor).subspan(descriptor_address, 8));
    if (control & dma_select)
        select(uint16_t(control >> 16));
    bool done = transfer(control, length, buffer);
    put_big_endian(status, done ? 0 : dma_error);
    [[maybe_unused]] auto stored = m_memory.write(address + descriptor_control, status);
}

// Returns false for the error bit: a guest range outside guest memory, or a write.
bool FwCfg::transfer(uint32_t control, uint32_t length, uint64_t address)
{
    bool read = control & dma_read;
    if (!read && (control & dma_write))
        return length == 0;
    if (!read && !(control & dma_skip))
        return true;

    const auto* item = selected_item();
    uint64_t available = item && m_offset < item->size() ? item->size() - m_offset : 0;
    uint64_t from_item = std::min<uint64_t>(length, available);
    std::span<const uint8_t> source;
    if (item)
        source = std::span(*item).subspan(size_t(m_offset), size_t(from_item));
    m_offset += from_item;
    if (!read)
        return true;

    // The item's bytes, then zeros past its end, in page-bounded pieces (a range that would wrap
    // past 2^64 fails in GuestMemory::span).
    uint64_t remaining = length;
    while (remaining > 0) {
        uint64_t chunk = std::min(remaining, dma_chunk - address % dma_chunk);
        auto target = m_memory.span(address, chunk);
        if (!target) {
            LOG_DEBUG("fw_cfg", "DMA buffer at 0x%" PRIx64 " is outside guest memory", address);
            return false;
        }
        size_t copied = std::min<size_t>(source.size(), size_t(chunk));
        if (copied > 0) // with no item selected the source is empty and its data() null, which memcpy must not get
            std::memcpy(target->data(), source.data(), copied);
        std::memset(target->data() + copied, 0, size_t(chunk) - copied);
        source = source.subspan(copied);
        remaining -= chunk;
        address += chunk;
    }
    return true;
}

} // namespace spicebox
