// A QXL card on a test bench, seen as a guest driver sees it: BARs programmed at QEMU's usual
// addresses, ports written byte by byte, structures built in the card's own BAR memory, and a
// sink that records what the device hands to the display side.
#pragma once

#include "qxl/qxl_device.h"
#include "qxl/qxl_rom.h"

#include <doctest/doctest.h>

#include <cstring>
#include <map>
#include <memory>
#include <vector>

namespace spicebox::qxl_test {

constexpr uint64_t ram_address = 0xF4000000;
constexpr uint64_t vram_address = 0xF8000000;
constexpr uint64_t rom_address = 0xFC010000;
constexpr uint16_t io_address = 0xC000;

class RecordingSink final : public DisplaySink {
public:
    void create_surface(const SurfaceCreate& create) override { created.push_back(create); }
    void destroy_surface(uint32_t id) override { destroyed.push_back(id); }
    void draw(DrawCommand command) override { draws.push_back(std::move(command)); }
    void cursor(CursorCommand command) override { cursors.push_back(std::move(command)); }
    void monitors_config(MonitorsConfig config) override { monitors.push_back(std::move(config)); }
    void update_area(uint32_t id, const Rect& area) override { updates.push_back({ id, area }); }

    std::vector<SurfaceCreate> created;
    std::vector<uint32_t> destroyed;
    std::vector<DrawCommand> draws;
    std::vector<CursorCommand> cursors;
    std::vector<MonitorsConfig> monitors;
    std::vector<std::pair<uint32_t, Rect>> updates;
};

class NullMapper final : public PciBarMapper {
public:
    void bar_mapped(PciDevice&, int, const PciBarInfo&, uint64_t) override { }
    void bar_unmapped(PciDevice&, int, const PciBarInfo&, uint64_t) override { }
};

class QxlTestGuest {
public:
    // `display` replaces the recording sink (e.g. a renderer), which then stays empty.
    explicit QxlTestGuest(const QxlConfig& config = {}, DisplaySink* display = nullptr)
    {
        auto created = QxlDevice::create(config, display ? *display : sink);
        REQUIRE(created.ok());
        device = created.value();
        device->set_bar_mapper(&mapper);
        device->set_interrupt(InterruptLine([this](bool level) { irq_level = level; }), 10);
        device->set_ring_kick([this] { ++kicks; });
        config_write32(0x10, uint32_t(ram_address));
        config_write32(0x14, uint32_t(vram_address));
        config_write32(0x18, uint32_t(rom_address));
        config_write32(0x1C, io_address);
        config_write32(0x04, 0x3); // I/O and memory decode
        m_next_free = device->layout().vgamem_size;
        sink.cursors.clear(); // the reset at creation resets the cursor
    }

    void config_write32(uint8_t offset, uint32_t value)
    {
        uint8_t bytes[4];
        std::memcpy(bytes, &value, 4);
        device->config_write(offset, bytes);
    }

    uint32_t config_read(uint8_t offset, size_t size)
    {
        uint8_t bytes[4] {};
        device->config_read(offset, std::span<uint8_t>(bytes, size));
        uint32_t value = 0;
        std::memcpy(&value, bytes, size);
        return value;
    }

    void out(uint64_t port, uint8_t value = 0) { device->port_write(port, value); }

    QXLRam& ram_header() { return *reinterpret_cast<QXLRam*>(device->ram().data() + device->layout().ram_header_offset); }
    const QXLRom& rom() { return *reinterpret_cast<const QXLRom*>(device->rom().data()); }

    // The Linux driver's slots: 1 = BAR0 below the RAM header, 2 = all of BAR1.
    void add_linux_memslots()
    {
        ram_header().mem_slot = { ram_address, ram_address + device->layout().ram_header_offset };
        out(QXL_IO_MEMSLOT_ADD_ASYNC, 1);
        ram_header().mem_slot = { vram_address, vram_address + device->layout().vram_size };
        out(QXL_IO_MEMSLOT_ADD_ASYNC, 2);
    }

    static QXLPHYSICAL physical(uint8_t slot, uint64_t offset, uint8_t generation = 0)
    {
        return (uint64_t(slot) << 56) | (uint64_t(generation) << 48) | offset;
    }

    // Bump allocation in BAR0's command pages; returns the BAR0 offset (= slot 1 offset).
    uint64_t allocate(uint64_t size)
    {
        uint64_t offset = m_next_free;
        m_next_free += (size + 63) / 64 * 64;
        REQUIRE(m_next_free <= device->layout().ram_header_offset);
        return offset;
    }

    template<typename T>
    T& at(uint64_t offset)
    {
        return *reinterpret_cast<T*>(device->ram().data() + offset);
    }

    template<typename T>
    uint64_t put(const T& value)
    {
        uint64_t offset = allocate(sizeof(T));
        std::memcpy(device->ram().data() + offset, &value, sizeof(T));
        return offset;
    }

    // A QXLDataChunk holding `data`, linked to `next`; returns its BAR0 offset.
    uint64_t put_chunk(std::span<const uint8_t> data, QXLPHYSICAL next = 0)
    {
        uint64_t offset = allocate(sizeof(QXLDataChunk) + data.size());
        QXLDataChunk header {};
        header.data_size = uint32_t(data.size());
        header.next_chunk = next;
        std::memcpy(device->ram().data() + offset, &header, sizeof(header));
        std::memcpy(device->ram().data() + offset + sizeof(header), data.data(), data.size());
        return offset;
    }

    // A guest-side push onto the command or cursor ring (no kick).
    template<typename Ring>
    void push(Ring& ring, QXLPHYSICAL data, uint32_t type)
    {
        REQUIRE(uint32_t(ring.prod - ring.cons) < uint32_t(ring.num_items));
        ring.items[ring.prod % ring.num_items].el = QXLCommand { .data = data, .type = type, .padding = 0 };
        ++ring.prod;
    }

    // A release-ring pop as the Linux driver does it: the chain of ids behind one ring entry.
    std::vector<uint64_t> pop_release_chain()
    {
        auto& ring = ram_header().release_ring;
        REQUIRE(uint32_t(ring.cons) != uint32_t(ring.prod));
        uint64_t id = ring.items[ring.cons % ring.num_items].el;
        ++ring.cons;
        std::vector<uint64_t> chain;
        while (id != 0) {
            chain.push_back(id);
            REQUIRE(m_release_infos.contains(id));
            id = at<uint64_t>(m_release_infos[id]);
        }
        return chain;
    }

    // Writes the header of a structure that ends in a QXLDataChunk holding `data_size` bytes.
    template<typename T>
    static T with_chunk(T value, uint32_t data_size)
    {
        value.chunk.data_size = data_size;
        return value;
    }

    // Remembers where the command with release id `id` lives, for pop_release_chain.
    void track_release(uint64_t id, uint64_t offset) { m_release_infos[id] = offset; }

    bool error_state() { return device->in_error_state(); }

    RecordingSink sink;
    NullMapper mapper;
    std::shared_ptr<QxlDevice> device;
    bool irq_level { false };
    int kicks { 0 };

private:
    uint64_t m_next_free { 0 };
    std::map<uint64_t, uint64_t> m_release_infos;
};

} // namespace spicebox::qxl_test
