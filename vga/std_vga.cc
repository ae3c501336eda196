#include "vga/std_vga.h"

#include "vga/edid.h"

#include <bit>
#include <cstring>

namespace spicebox {

namespace {

constexpr PciIdentity std_vga_identity {
    .vendor_id = 0x1234,
    .device_id = 0x1111,
    .revision = 2, // 2: the MMIO BAR has the QEXT registers
    .class_code = 0x030000,
    .subsystem_vendor_id = 0x1AF4,
    .subsystem_id = 0x1100,
};

// BAR2 layout.
enum MmioRange : uint64_t {
    EdidStart = 0x000,
    EdidEnd = 0x400,
    VgaPortsStart = 0x400,
    VgaPortsEnd = 0x420,
    DispiStart = 0x500,
    DispiEnd = 0x500 + 2 * 11,
    QextStart = 0x600,
    QextEnd = 0x608,
};
constexpr uint16_t vga_ports_first = 0x3C0;
enum class QextRegister : uint64_t { Size = 0x600, ByteOrder = 0x604 };
constexpr uint32_t qext_size = 8;
constexpr uint32_t little_endian_framebuffer = 0x1E1E1E1E;
constexpr size_t min_rom_size = 4096;

class StdVgaMmio final : public IoDevice {
public:
    explicit StdVgaMmio(std::shared_ptr<VgaCore> core) : m_core(std::move(core)), m_edid(vga::spicebox_edid()) { }

    void io_read(uint64_t offset, std::span<uint8_t> data) override
    {
        if (offset >= DispiStart && offset < DispiEnd) {
            // Whole 16-bit registers, each read once.
            for (size_t i = 0; i < data.size();) {
                uint64_t address = offset + i;
                uint16_t value = address < DispiEnd ? m_core->read_vbe_register(uint16_t((address - DispiStart) / 2)) : 0;
                for (uint64_t byte = address & 1; byte < 2 && i < data.size(); ++byte, ++i)
                    data[i] = uint8_t(value >> (8 * byte));
            }
            return;
        }
        for (size_t i = 0; i < data.size(); ++i)
            data[i] = read_byte(offset + i);
    }

    void io_write(uint64_t offset, std::span<const uint8_t> data) override
    {
        if (offset >= DispiStart && offset < DispiEnd) {
            for (size_t i = 0; i < data.size();) {
                uint64_t address = offset + i;
                uint16_t value = 0;
                bool at_register_start = (address & 1) == 0;
                for (uint64_t byte = address & 1; byte < 2 && i < data.size(); ++byte, ++i)
                    value |= uint16_t(data[i] << (8 * byte));
                if (at_register_start && address < DispiEnd)
                    m_core->write_vbe_register(uint16_t((address - DispiStart) / 2), value);
            }
            return;
        }
        if (offset >= VgaPortsStart && offset < VgaPortsEnd) {
            for (size_t i = 0; i < data.size() && offset + i < VgaPortsEnd; ++i)
                m_core->write_port(uint16_t(vga_ports_first + offset + i - VgaPortsStart), data[i]);
        }
        // EDID and QEXT writes change nothing: the EDID is read-only and the framebuffer stays little-endian.
    }

    std::string_view io_name() const override { return "stdvga-mmio"; }

private:
    uint8_t read_byte(uint64_t address)
    {
        if (address < EdidEnd)
            return address < m_edid.size() ? m_edid[address] : 0;
        if (address >= VgaPortsStart && address < VgaPortsEnd)
            return m_core->read_port(uint16_t(vga_ports_first + address - VgaPortsStart));
        if (address >= QextStart && address < QextEnd) {
            uint32_t value = QextRegister(address & ~uint64_t(3)) == QextRegister::Size ? qext_size : little_endian_framebuffer;
            return uint8_t(value >> (8 * (address & 3)));
        }
        return 0;
    }

    std::shared_ptr<VgaCore> m_core;
    std::array<uint8_t, vga::edid_block_size> m_edid;
};

}

StdVga::StdVga(std::shared_ptr<VideoMemory> vram, std::shared_ptr<VgaCore> core)
    : PciDevice("stdvga", std_vga_identity)
    , m_vram(std::move(vram))
    , m_core(std::move(core))
{
}

Result<std::shared_ptr<StdVga>> StdVga::create(std::span<const uint8_t> vga_bios_rom)
{
    auto vram = TRY(VideoMemory::allocate(vram_size));
    auto core = TRY(VgaCore::create(vram));
    std::shared_ptr<StdVga> card(new StdVga(vram, core));

    TRY(card->declare_bar(vram_bar, {
        .kind = PciBarKind::Memory,
        .size = vram_size,
        .prefetchable = true,
        .log_dirty = true,
        .memory = vram->bytes(),
    }));
    TRY(card->declare_bar(mmio_bar, {
        .kind = PciBarKind::Mmio,
        .size = mmio_size,
        .handler = std::make_shared<StdVgaMmio>(core),
    }));
    if (!vga_bios_rom.empty()) {
        size_t rom_size = std::max(std::bit_ceil(vga_bios_rom.size()), min_rom_size);
        card->m_rom = TRY(VideoMemory::allocate(rom_size));
        std::memcpy(card->m_rom->bytes().data(), vga_bios_rom.data(), vga_bios_rom.size());
        TRY(card->declare_rom(card->m_rom->bytes()));
    }

    std::weak_ptr<StdVga> weak_card = card;
    core->set_dirty_log([weak_card](std::span<uint64_t> bitmap) {
        auto card = weak_card.lock();
        return card && card->take_dirty_pages(vram_bar, bitmap);
    });
    return card;
}

} // namespace spicebox
