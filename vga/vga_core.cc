#include "vga/vga_core.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace spicebox {

using namespace vga;

namespace {

constexpr size_t max_pending_rects = 64;
constexpr unsigned bits_per_word = 64;

enum class VbePortOffset : uint64_t {
    Index = 0,
    Data = 1,
    DataAlternate = 2,
};

class VgaPorts final : public IoDevice {
public:
    explicit VgaPorts(std::shared_ptr<VgaCore> core) : m_core(std::move(core)) { }
    void io_read(uint64_t offset, std::span<uint8_t> data) override
    {
        for (size_t i = 0; i < data.size(); ++i)
            data[i] = m_core->read_port(uint16_t(vga_port_base + offset + i));
    }
    void io_write(uint64_t offset, std::span<const uint8_t> data) override
    {
        for (size_t i = 0; i < data.size(); ++i)
            m_core->write_port(uint16_t(vga_port_base + offset + i), data[i]);
    }
    std::string_view io_name() const override { return "vga-ports"; }

private:
    std::shared_ptr<VgaCore> m_core;
};

class VbePorts final : public IoDevice {
public:
    explicit VbePorts(std::shared_ptr<VgaCore> core) : m_core(std::move(core)) { }
    void io_read(uint64_t offset, std::span<uint8_t> data) override
    {
        for (size_t done = 0; done < data.size(); done += 2) {
            auto part = data.subspan(done, std::min<size_t>(2, data.size() - done));
            set_io_value(part, read(offset + done));
        }
    }
    void io_write(uint64_t offset, std::span<const uint8_t> data) override
    {
        for (size_t done = 0; done < data.size(); done += 2) {
            auto part = data.subspan(done, std::min<size_t>(2, data.size() - done));
            write(offset + done, uint16_t(io_value(part)));
        }
    }
    std::string_view io_name() const override { return "bochs-vbe-ports"; }

private:
    uint16_t read(uint64_t offset)
    {
        switch (VbePortOffset(offset)) {
        case VbePortOffset::Index:
            return m_core->read_vbe_index();
        case VbePortOffset::Data:
        case VbePortOffset::DataAlternate:
            return m_core->read_vbe_data();
        }
        return UINT16_MAX; // 0x1D1 is only the high byte of 0x1D0
    }
    void write(uint64_t offset, uint16_t value)
    {
        switch (VbePortOffset(offset)) {
        case VbePortOffset::Index:
            m_core->write_vbe_index(value);
            break;
        case VbePortOffset::Data:
        case VbePortOffset::DataAlternate:
            m_core->write_vbe_data(value);
            break;
        }
    }
    std::shared_ptr<VgaCore> m_core;
};

class VgaWindow final : public IoDevice {
public:
    explicit VgaWindow(std::shared_ptr<VgaCore> core) : m_core(std::move(core)) { }
    void io_read(uint64_t offset, std::span<uint8_t> data) override
    {
        for (size_t i = 0; i < data.size(); ++i)
            data[i] = m_core->read_window(uint32_t(offset + i));
    }
    void io_write(uint64_t offset, std::span<const uint8_t> data) override
    {
        for (size_t i = 0; i < data.size(); ++i)
            m_core->write_window(uint32_t(offset + i), data[i]);
    }
    std::string_view io_name() const override { return "vga-window"; }

private:
    std::shared_ptr<VgaCore> m_core;
};

bool page_dirty(std::span<const uint64_t> bitmap, uint64_t page)
{
    return page / bits_per_word < bitmap.size() && (bitmap[page / bits_per_word] >> (page % bits_per_word)) & 1;
}

bool range_dirty(std::span<const uint64_t> bitmap, uint64_t offset, uint64_t length)
{
    if (length == 0)
        return false;
    for (uint64_t page = offset / vram_page_size; page <= (offset + length - 1) / vram_page_size; ++page) {
        if (page_dirty(bitmap, page))
            return true;
    }
    return false;
}

// Consecutive changed rows become one full-width rectangle.
void add_row(std::vector<Rect>& rects, uint32_t width, uint32_t y)
{
    if (!rects.empty() && rects.back().bottom == int32_t(y)) {
        rects.back().bottom = int32_t(y + 1);
        return;
    }
    rects.push_back({ 0, int32_t(y), int32_t(width), int32_t(y + 1) });
}

Rect whole(const Framebuffer& screen) { return { 0, 0, int32_t(screen.width), int32_t(screen.height) }; }

}

Result<std::shared_ptr<VgaCore>> VgaCore::create(std::shared_ptr<VideoMemory> memory, size_t vram_size)
{
    if (!memory)
        return Error { "VGA video memory is missing" };
    if (vram_size == 0)
        vram_size = memory->size();
    if (vram_size > memory->size() || vram_size < vga_memory_size || !std::has_single_bit(vram_size))
        return Error { "VGA video memory must be a power of two of at least 256 KiB" };
    return std::shared_ptr<VgaCore>(new VgaCore(std::move(memory), vram_size));
}

VgaCore::VgaCore(std::shared_ptr<VideoMemory> memory, size_t vram_size)
    : m_memory(std::move(memory))
    , m_vram(m_memory->bytes().first(vram_size))
    , m_vbe(uint32_t(m_vram.size()))
    , m_window(m_vram)
    , m_window_dirty((m_vram.size() / vram_page_size + bits_per_word - 1) / bits_per_word, 0)
{
}

void VgaCore::set_dirty_log(DirtyLog log)
{
    std::lock_guard lock(m_render_mutex);
    m_dirty_log = std::move(log);
}

std::shared_ptr<IoDevice> VgaCore::vga_ports() { return std::make_shared<VgaPorts>(shared_from_this()); }
std::shared_ptr<IoDevice> VgaCore::vbe_ports() { return std::make_shared<VbePorts>(shared_from_this()); }
std::shared_ptr<IoDevice> VgaCore::vga_window() { return std::make_shared<VgaWindow>(shared_from_this()); }

uint8_t VgaCore::read_port(uint16_t port)
{
    std::lock_guard lock(m_mutex);
    return m_regs.read_port(port);
}

void VgaCore::write_port(uint16_t port, uint8_t value)
{
    std::lock_guard lock(m_mutex);
    m_regs.write_port(port, value);
    // While the VBE mode is on, it keeps the graphics and CRT controllers in the state it implies (QEMU).
    bool controller_data = port == uint16_t(Port::GraphicsData) || port == uint16_t(Port::CrtcDataColor) || port == uint16_t(Port::CrtcDataMono);
    if (controller_data && m_vbe.enabled())
        apply_vbe_to_vga();
}

uint16_t VgaCore::read_vbe_index()
{
    std::lock_guard lock(m_mutex);
    return m_vbe.index();
}

void VgaCore::write_vbe_index(uint16_t index)
{
    std::lock_guard lock(m_mutex);
    m_vbe.set_index(index);
}

uint16_t VgaCore::read_vbe_data()
{
    std::lock_guard lock(m_mutex);
    return m_vbe.read_data();
}

void VgaCore::write_vbe_data(uint16_t value)
{
    std::lock_guard lock(m_mutex);
    write_vbe_data_locked(value);
}

uint16_t VgaCore::read_vbe_register(uint16_t index)
{
    std::lock_guard lock(m_mutex);
    m_vbe.set_index(index);
    return m_vbe.read_data();
}

void VgaCore::write_vbe_register(uint16_t index, uint16_t value)
{
    std::lock_guard lock(m_mutex);
    m_vbe.set_index(index);
    write_vbe_data_locked(value);
}

void VgaCore::write_vbe_data_locked(uint16_t value)
{
    auto effect = m_vbe.write_data(value);
    if (effect.enable_written)
        m_regs.set_dac_8bit(m_vbe.dac_8bit());
    if (effect.vga_registers)
        apply_vbe_to_vga();
    if (effect.clear_bytes) {
        uint32_t bytes = std::min<uint32_t>(effect.clear_bytes, uint32_t(m_vram.size()));
        std::memset(m_vram.data(), 0, bytes);
        mark_dirty(0, bytes);
    }
}

// What QEMU's vbe_update_vgaregs does: graphics mode with the 64 KiB window at 0xA0000, no CGA addressing,
// the CRTC's width, height and line offset from the VBE mode, line compare out of the way, no double scan,
// 256-colour shifting (planar for 4 bpp).
void VgaCore::apply_vbe_to_vga()
{
    uint8_t misc = m_regs.graphics(Gfx::Misc);
    m_regs.set_graphics(Gfx::Misc, uint8_t((misc & ~gfx::memory_map_mask) | uint8_t(MemoryMap::A0000_64K) << gfx::memory_map_shift | gfx::graphics_mode));
    m_regs.set_crtc(Crtc::ModeControl, m_regs.crtc(Crtc::ModeControl) | crtc::mode_no_cga_row_substitution | crtc::mode_no_hercules_row_substitution);
    m_regs.set_crtc(Crtc::Offset, uint8_t(m_vbe.line_length() >> 3));
    m_regs.set_crtc(Crtc::HorizontalDisplayEnd, uint8_t((m_vbe.width() >> 3) - 1));
    uint32_t last_line = m_vbe.height() - 1;
    m_regs.set_crtc(Crtc::VerticalDisplayEnd, uint8_t(last_line));
    uint8_t overflow = m_regs.crtc(Crtc::Overflow) & ~(crtc::overflow_display_end_bit8 | crtc::overflow_display_end_bit9);
    overflow |= (last_line & 0x100 ? crtc::overflow_display_end_bit8 : 0) | (last_line & 0x200 ? crtc::overflow_display_end_bit9 : 0);
    m_regs.set_crtc(Crtc::Overflow, overflow | crtc::overflow_line_compare_bit8);
    m_regs.set_crtc(Crtc::LineCompare, 0xFF);
    uint8_t max_scan = m_regs.crtc(Crtc::MaximumScanLine) | crtc::max_scan_line_compare_bit9;
    m_regs.set_crtc(Crtc::MaximumScanLine, uint8_t(max_scan & ~(crtc::double_scan | crtc::scan_line_mask)));
    uint8_t shift = m_vbe.bpp() == 4 ? 0 : 2;
    uint8_t mode = m_regs.graphics(Gfx::Mode);
    m_regs.set_graphics(Gfx::Mode, uint8_t((mode & ~gfx::shift_control_mask) | shift << gfx::shift_control_shift));
}

void VgaCore::mark_dirty(uint32_t offset, uint32_t length)
{
    if (length == 0)
        return;
    for (uint64_t page = offset / vram_page_size; page <= (uint64_t(offset) + length - 1) / vram_page_size; ++page) {
        if (page / bits_per_word < m_window_dirty.size())
            m_window_dirty[page / bits_per_word] |= uint64_t(1) << (page % bits_per_word);
    }
}

uint8_t VgaCore::read_window(uint32_t offset)
{
    std::lock_guard lock(m_mutex);
    return m_window.read(m_regs, m_vbe, offset);
}

void VgaCore::write_window(uint32_t offset, uint8_t value)
{
    std::lock_guard lock(m_mutex);
    if (auto touched = m_window.write(m_regs, m_vbe, offset, value))
        mark_dirty(touched->offset, touched->length);
}

std::optional<std::vector<std::string>> VgaCore::text_screen()
{
    std::lock_guard lock(m_mutex);
    return text_rows(m_regs, m_vbe, m_vram);
}

std::vector<Rect> VgaCore::refresh()
{
    std::optional<Snapshot> snapshot;
    std::vector<uint64_t> dirty(m_window_dirty.size(), 0);
    {
        std::lock_guard lock(m_mutex);
        snapshot.emplace(Snapshot { m_regs, m_vbe });
        dirty.swap(m_window_dirty);
    }
    DisplayMode mode = display_mode(snapshot->regs, snapshot->vbe);
    bool log_known = false;
    {
        std::vector<uint64_t> logged(dirty.size(), 0);
        if (m_dirty_log && m_dirty_log(logged)) {
            log_known = true;
            for (size_t i = 0; i < dirty.size(); ++i)
                dirty[i] |= logged[i];
        }
    }
    bool packed_vbe = mode.kind == ModeKind::Vbe && snapshot->vbe.bpp() != 4 && !mode.blank;
    if (packed_vbe && log_known)
        return refresh_vbe(*snapshot, mode, dirty);
    m_vbe_key = {};
    return refresh_by_comparison(*snapshot, mode);
}

std::vector<Rect> VgaCore::refresh_vbe(const Snapshot& snapshot, const DisplayMode& mode, std::vector<uint64_t>& dirty)
{
    const BochsVbe& vbe = snapshot.vbe;
    VbeKey key { vbe.width(), vbe.height(), vbe.bpp(), vbe.line_length(), vbe.start_offset(), {} };
    if (vbe.bpp() == 8) {
        key.palette.resize(dac_entries);
        for (unsigned i = 0; i < dac_entries; ++i)
            key.palette[i] = snapshot.regs.dac_color(uint8_t(i & snapshot.regs.pel_mask()));
    }
    bool full = !m_screen_mode || *m_screen_mode != mode || !(key == m_vbe_key) || m_screen.width != mode.width || m_screen.height != mode.height;
    m_screen_mode = mode;
    m_vbe_key = std::move(key);
    if (full) {
        render_screen(mode, snapshot.regs, vbe, m_vram, m_screen);
        return { whole(m_screen) };
    }
    std::vector<Rect> rects;
    uint64_t row_bytes = uint64_t(vbe.width()) * vbe_storage_bits(vbe.bpp()) / 8;
    for (uint32_t y = 0; y < mode.height; ++y) {
        uint64_t offset = vbe.start_offset() + uint64_t(y) * vbe.line_length();
        if (!range_dirty(dirty, offset, row_bytes))
            continue;
        render_vbe_rows(snapshot.regs, vbe, m_vram, m_screen, y, y + 1);
        add_row(rects, m_screen.width, y);
    }
    return rects;
}

std::vector<Rect> VgaCore::refresh_by_comparison(const Snapshot& snapshot, const DisplayMode& mode)
{
    render_screen(mode, snapshot.regs, snapshot.vbe, m_vram, m_scratch);
    bool resized = m_scratch.width != m_screen.width || m_scratch.height != m_screen.height || !m_screen_mode;
    m_screen_mode = mode;
    if (resized) {
        std::swap(m_screen, m_scratch);
        return { whole(m_screen) };
    }
    std::vector<Rect> rects;
    size_t row_bytes = size_t(m_screen.width) * sizeof(uint32_t);
    for (uint32_t y = 0; y < m_screen.height; ++y) {
        if (std::memcmp(m_screen.row(y), m_scratch.row(y), row_bytes) == 0)
            continue;
        std::memcpy(m_screen.row(y), m_scratch.row(y), row_bytes);
        add_row(rects, m_screen.width, y);
    }
    return rects;
}

void VgaCore::render(Framebuffer& out)
{
    std::lock_guard lock(m_render_mutex);
    auto rects = refresh();
    m_pending.insert(m_pending.end(), rects.begin(), rects.end());
    if (m_pending.size() > max_pending_rects)
        m_pending = { whole(m_screen) };
    out = m_screen;
}

std::vector<Rect> VgaCore::update(Framebuffer& out)
{
    std::lock_guard lock(m_render_mutex);
    auto rects = refresh();
    rects.insert(rects.begin(), m_pending.begin(), m_pending.end());
    m_pending.clear();
    if (out.width != m_screen.width || out.height != m_screen.height) {
        out = m_screen;
        return { whole(m_screen) };
    }
    for (const Rect& rect : rects) {
        size_t bytes = size_t(rect.width()) * sizeof(uint32_t);
        for (int32_t y = rect.top; y < rect.bottom; ++y)
            std::memcpy(out.row(uint32_t(y)) + rect.left, m_screen.row(uint32_t(y)) + rect.left, bytes);
    }
    return rects;
}

} // namespace spicebox
