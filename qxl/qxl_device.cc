#include "qxl/qxl_device.h"

#include "base/log.h"
#include "qxl/qxl_rom.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace spicebox {

namespace {

constexpr uint16_t qemu_subsystem_vendor = 0x1AF4;
constexpr uint16_t qemu_subsystem_id = 0x1100;
constexpr uint32_t class_display_vga = 0x030000;
constexpr uint8_t interrupt_pin_a = 1;
constexpr uint8_t port_read_value = 0xFF;
constexpr uint64_t min_expansion_rom_size = 4096; // a page: the smallest ROM BAR that can be mapped

// BAR3 as seen from the I/O bus: byte accesses forwarded to the device while it exists.
class QxlIoPorts final : public IoDevice {
public:
    explicit QxlIoPorts(std::weak_ptr<QxlDevice> device) : m_device(std::move(device)) { }

    void io_read(uint64_t, std::span<uint8_t> data) override { std::fill(data.begin(), data.end(), port_read_value); }

    void io_write(uint64_t offset, std::span<const uint8_t> data) override
    {
        // QEMU declares the ports byte-wide (min = max access size 1) and ignores other sizes.
        if (data.size() != 1) {
            LOG_DEBUG("qxl", "ignoring %zu-byte write to port %#llx", data.size(), static_cast<unsigned long long>(offset));
            return;
        }
        if (auto device = m_device.lock())
            device->port_write(offset, data[0]);
    }

    std::string_view io_name() const override { return "qxl"; }

private:
    std::weak_ptr<QxlDevice> m_device;
};

bool allowed_in_vga_mode(uint64_t port)
{
    switch (port) {
    case QXL_IO_RESET:
    case QXL_IO_SET_MODE:
    case QXL_IO_MEMSLOT_ADD:
    case QXL_IO_MEMSLOT_DEL:
    case QXL_IO_CREATE_PRIMARY:
    case QXL_IO_UPDATE_IRQ:
    case QXL_IO_LOG:
    case QXL_IO_MEMSLOT_ADD_ASYNC:
    case QXL_IO_CREATE_PRIMARY_ASYNC:
        return true;
    }
    return false;
}

bool is_async(uint64_t port)
{
    return (port >= QXL_IO_UPDATE_AREA_ASYNC && port <= QXL_IO_FLUSH_SURFACES_ASYNC) || port == QXL_IO_MONITORS_CONFIG_ASYNC;
}

uint64_t absolute(int32_t stride)
{
    return stride < 0 ? uint64_t(-int64_t(stride)) : uint64_t(stride);
}

QXLPHYSICAL slot_address(uint8_t slot, uint8_t generation, uint64_t offset)
{
    return (uint64_t(slot) << (64 - qxl_memslot_id_bits)) | (uint64_t(generation) << (64 - qxl_memslot_id_bits - qxl_memslot_generation_bits)) | offset;
}

} // namespace

Result<std::shared_ptr<QxlDevice>> QxlDevice::create(const QxlConfig& config, DisplaySink& sink, std::span<const uint8_t> vga_bios)
{
    auto layout = TRY(QxlLayout::from_config(config));
    auto ram = TRY(VideoMemory::allocate(layout.ram_size));
    auto vram = TRY(QxlBarMemory::allocate(layout.vram_size));
    auto rom = TRY(QxlBarMemory::allocate(qxl_rom_size));
    auto device = std::make_shared<QxlDevice>(layout, sink, std::move(ram), std::move(vram), std::move(rom));
    TRY(device->declare_bar(ram_bar, { .kind = PciBarKind::Memory, .size = layout.ram_size, .memory = device->ram() }));
    TRY(device->declare_bar(vram_bar, { .kind = PciBarKind::Memory, .size = layout.vram_size, .memory = device->vram() }));
    TRY(device->declare_bar(rom_bar, { .kind = PciBarKind::Memory, .size = qxl_rom_size, .read_only = true, .memory = device->rom() }));
    TRY(device->declare_bar(io_bar, { .kind = PciBarKind::Io, .size = io_bar_size, .handler = std::make_shared<QxlIoPorts>(device) }));
    if (!vga_bios.empty()) {
        device->m_expansion_rom = TRY(QxlBarMemory::allocate(std::max<uint64_t>(std::bit_ceil(vga_bios.size()), min_expansion_rom_size)));
        std::memcpy(device->m_expansion_rom.bytes().data(), vga_bios.data(), vga_bios.size());
        TRY(device->declare_rom(device->m_expansion_rom.bytes()));
    }
    device->reset();
    return device;
}

QxlDevice::QxlDevice(const QxlLayout& layout, DisplaySink& sink, std::shared_ptr<VideoMemory> ram, QxlBarMemory vram, QxlBarMemory rom)
    : PciDevice("qxl", PciIdentity {
                           .vendor_id = REDHAT_PCI_VENDOR_ID,
                           .device_id = QXL_DEVICE_ID_STABLE,
                           .revision = revision,
                           .class_code = class_display_vga,
                           .subsystem_vendor_id = qemu_subsystem_vendor,
                           .subsystem_id = qemu_subsystem_id,
                           .interrupt_pin = interrupt_pin_a,
                       })
    , m_layout(layout)
    , m_sink(sink)
    , m_ram_memory(std::move(ram))
    , m_vram_memory(std::move(vram))
    , m_rom_memory(std::move(rom))
    , m_ram(m_ram_memory->bytes().subspan(layout.ram_header_offset, layout.ram_header_size))
    , m_surfaces(layout.surfaces)
    , m_parser(m_slots, m_surfaces)
    , m_held_creates(layout.surfaces, nullptr)
{
}

void QxlDevice::set_ring_kick(std::function<void()> kick)
{
    std::lock_guard lock(m_mutex);
    m_kick = std::move(kick);
}

void QxlDevice::set_vga_companion(QxlVgaCompanion* companion)
{
    std::lock_guard lock(m_mutex);
    m_vga = companion;
}

QxlMode QxlDevice::mode() const
{
    std::lock_guard lock(m_mutex);
    return m_mode;
}

bool QxlDevice::in_error_state() const
{
    std::lock_guard lock(m_mutex);
    return m_guest_bug;
}

void QxlDevice::reset()
{
    std::lock_guard lock(m_mutex);
    hard_reset();
}

void QxlDevice::port_write(uint64_t port, uint8_t value)
{
    std::function<void()> kick;
    {
        std::lock_guard lock(m_mutex);
        if (handle_port(port, value))
            kick = m_kick;
    }
    if (kick)
        kick();
}

bool QxlDevice::process_rings()
{
    std::lock_guard lock(m_mutex);
    bool more = drain(QxlRing::Command, max_commands_per_pass);
    return drain(QxlRing::Cursor, max_commands_per_pass) || more;
}

// Returns true when the worker should be woken.
bool QxlDevice::handle_port(uint64_t port, uint8_t value)
{
    if (m_guest_bug && port != QXL_IO_RESET)
        return false;
    if (m_mode == QxlMode::Vga && !allowed_in_vga_mode(port)) {
        // QEMU drops these, completing async ones "to be nice to buggy guest drivers".
        if (is_async(port))
            raise(QXL_INTERRUPT_IO_CMD);
        return false;
    }

    bool kick = false;
    switch (port) {
    case QXL_IO_NOTIFY_CMD:
    case QXL_IO_NOTIFY_CURSOR:
        kick = true;
        break;
    case QXL_IO_UPDATE_AREA:
    case QXL_IO_UPDATE_AREA_ASYNC:
        update_area();
        break;
    case QXL_IO_UPDATE_IRQ:
        update_irq();
        break;
    case QXL_IO_NOTIFY_OOM:
        notify_oom();
        break;
    case QXL_IO_RESET:
        hard_reset();
        break;
    case QXL_IO_SET_MODE:
        set_compat_mode(value);
        break;
    case QXL_IO_LOG:
        LOG_INFO("qxl", "guest: %s", m_ram.log_message().c_str());
        break;
    case QXL_IO_MEMSLOT_ADD:
    case QXL_IO_MEMSLOT_ADD_ASYNC: {
        QXLMemSlot range = m_ram.mem_slot();
        add_memslot(value, range.mem_start, range.mem_end, 0);
        break;
    }
    case QXL_IO_MEMSLOT_DEL:
        if (auto removed = m_slots.remove(value); !removed)
            guest_bug("MEMSLOT_DEL: " + removed.error().message);
        break;
    case QXL_IO_CREATE_PRIMARY:
    case QXL_IO_CREATE_PRIMARY_ASYNC:
        if (value != 0)
            guest_bug("CREATE_PRIMARY with argument " + std::to_string(value));
        else
            create_primary(m_ram.create_surface());
        break;
    case QXL_IO_DESTROY_PRIMARY:
    case QXL_IO_DESTROY_PRIMARY_ASYNC:
        if (value != 0)
            guest_bug("DESTROY_PRIMARY with argument " + std::to_string(value));
        else {
            // Commands already on the ring were meant for this primary (spice-server flushes them
            // first too): left there, they would find no surface 0 once the next one is pending.
            drain(QxlRing::Command, max_commands_per_pass);
            if (!m_guest_bug)
                destroy_primary();
        }
        break;
    case QXL_IO_DESTROY_SURFACE_WAIT:
    case QXL_IO_DESTROY_SURFACE_ASYNC:
        if (value >= m_surfaces.size()) {
            guest_bug("DESTROY_SURFACE of surface " + std::to_string(value));
            break;
        }
        drain(QxlRing::Command, max_commands_per_pass);
        if (!m_guest_bug && m_surfaces[value].live)
            destroy_surface(value, true);
        break;
    case QXL_IO_DESTROY_ALL_SURFACES:
    case QXL_IO_DESTROY_ALL_SURFACES_ASYNC:
        set_mode(QxlMode::Undefined);
        drain(QxlRing::Command, max_commands_per_pass);
        if (!m_guest_bug)
            destroy_all_surfaces();
        break;
    case QXL_IO_FLUSH_SURFACES_ASYNC:
        drain(QxlRing::Command, max_commands_per_pass);
        for (uint32_t id = 0; id < m_surfaces.size() && !m_guest_bug; ++id) {
            if (m_surfaces[id].live)
                m_sink.update_area(id, Rect { 0, 0, int32_t(m_surfaces[id].width), int32_t(m_surfaces[id].height) });
        }
        break;
    case QXL_IO_FLUSH_RELEASE:
        flush_release();
        break;
    case QXL_IO_MONITORS_CONFIG_ASYNC:
        monitors_config();
        break;
    default:
        // DETACH/ATTACH_PRIMARY are defined but QEMU never implemented them; the rest of the BAR
        // has no ports.
        guest_bug("write to unimplemented port " + std::to_string(port));
        break;
    }
    if (is_async(port) && !m_guest_bug)
        raise(QXL_INTERRUPT_IO_CMD);
    return kick;
}

void QxlDevice::guest_bug(const std::string& reason)
{
    if (m_guest_bug)
        return;
    m_guest_bug = true;
    LOG_WARN("qxl", "guest bug, device stopped until reset: %s", reason.c_str());
    raise(QXL_INTERRUPT_ERROR);
}

void QxlDevice::raise(uint32_t events)
{
    if (m_ram.raise(events) != 0)
        update_irq();
}

void QxlDevice::update_irq()
{
    set_irq_level((m_ram.int_pending() & m_ram.int_mask()) != 0);
}

void QxlDevice::set_mode(QxlMode mode)
{
    if (mode == m_mode)
        return;
    m_mode = mode;
    if (m_vga)
        m_vga->qxl_mode_changed(mode);
}

void QxlDevice::hard_reset()
{
    // Surfaces go without releases: the release ring is re-initialised below, as in QEMU.
    for (uint32_t id = 0; id < m_surfaces.size(); ++id) {
        if (m_surfaces[id].live)
            destroy_surface(id, false);
    }
    m_sink.cursor(CursorReset {});
    m_slots.reset();
    write_qxl_rom(rom(), m_layout);
    m_ram.reset();
    m_oom_running = false;
    m_guest_bug = false;
    update_irq();
    set_mode(QxlMode::Vga);
}

std::vector<QxlMemorySlots::Bar> QxlDevice::bars() const
{
    return { { ram(), bar_address(ram_bar) }, { vram(), bar_address(vram_bar) } };
}

void QxlDevice::add_memslot(uint8_t id, uint64_t start, uint64_t end, uint64_t delta)
{
    auto added = m_slots.add(id, start, end, bars(), delta);
    if (!added) {
        guest_bug("MEMSLOT_ADD: " + added.error().message);
        return;
    }
    rom()[offsetof(QXLRom, slot_generation)] = m_slots.generation();
}

void QxlDevice::create_primary(const QXLSurfaceCreate& request)
{
    uint64_t stride = absolute(request.stride);
    if (request.stride == INT32_MIN || stride * request.height > m_layout.vgamem_size)
        return guest_bug("primary of stride " + std::to_string(request.stride) + " x height " + std::to_string(request.height) + " is larger than the VGA area");
    if (m_mode == QxlMode::Native)
        return guest_bug("CREATE_PRIMARY while a primary exists");
    if (m_surfaces[0].live)
        return guest_bug("CREATE_PRIMARY while surface 0 exists");
    if (request.stride % 4 != 0)
        return guest_bug("primary stride " + std::to_string(request.stride) + " is not a multiple of 4");
    SurfaceFormat format = SurfaceFormat(request.format);
    uint32_t bits = bits_per_pixel(format);
    if (bits == 0)
        return guest_bug("primary format " + std::to_string(request.format) + " unknown");
    if (request.width == 0 || request.height == 0 || stride * 8 < uint64_t(request.width) * bits)
        return guest_bug("primary " + std::to_string(request.width) + "x" + std::to_string(request.height) + " does not fit its stride");
    auto memory = m_slots.translate(request.mem, stride * request.height);
    if (!memory)
        return guest_bug("primary memory: " + memory.error().message);

    LOG_DEBUG("qxl", "create primary %ux%u, stride %d, format %u%s", request.width, request.height, request.stride, request.format,
        request.flags & QXL_SURF_FLAG_KEEP_DATA ? ", keeping its data" : "");
    set_mode(QxlMode::Undefined);
    bool keep_data = request.flags & QXL_SURF_FLAG_KEEP_DATA;
    if (!keep_data)
        std::memset(memory->data(), 0, memory->size());
    m_surfaces[0] = { .live = true, .width = request.width, .height = request.height };
    set_mode(QxlMode::Native);
    m_sink.create_surface(SurfaceCreate {
        .surface_id = 0,
        .width = request.width,
        .height = request.height,
        .stride = request.stride,
        .format = format,
        .primary = true,
        .keep_data = keep_data,
        .memory = *memory,
    });
}

void QxlDevice::destroy_primary()
{
    if (m_mode == QxlMode::Undefined)
        return;
    LOG_DEBUG("qxl", "destroy primary");
    set_mode(QxlMode::Undefined);
    if (m_surfaces[0].live)
        destroy_surface(0, true);
    m_sink.cursor(CursorReset {});
}

void QxlDevice::set_compat_mode(uint8_t mode_index)
{
    uint32_t count;
    std::memcpy(&count, rom().data() + sizeof(QXLRom), sizeof(count));
    if (mode_index >= count)
        return guest_bug("SET_MODE to mode " + std::to_string(mode_index) + " of " + std::to_string(count));
    QXLMode mode;
    std::memcpy(&mode, rom().data() + sizeof(QXLRom) + sizeof(uint32_t) + mode_index * sizeof(QXLMode), sizeof(mode));
    auto ram_address = bar_address(ram_bar);
    if (!ram_address)
        return guest_bug("SET_MODE while BAR0 is not mapped");

    hard_reset();
    // Revision-1 drivers use guest-physical addresses: slot 0 covers BAR0 with the BAR address
    // as delta (QEMU's `qxl_set_mode`).
    add_memslot(0, *ram_address, *ram_address + m_layout.ram_size, *ram_address);
    if (m_guest_bug)
        return;
    QXLSurfaceCreate primary {};
    primary.width = mode.x_res;
    primary.height = mode.y_res;
    primary.stride = -int32_t(mode.x_res * 4);
    primary.format = SPICE_SURFACE_FMT_32_xRGB;
    primary.mem = slot_address(0, m_slots.generation(), *ram_address);
    create_primary(primary);
    if (m_guest_bug)
        return;
    set_mode(QxlMode::Compat);
    uint32_t index = mode_index;
    std::memcpy(rom().data() + offsetof(QXLRom, mode), &index, sizeof(index));
}

void QxlDevice::update_area()
{
    uint32_t id = m_ram.update_surface();
    QXLRect area = m_ram.update_area();
    if (id >= m_surfaces.size())
        return guest_bug("UPDATE_AREA of surface " + std::to_string(id));
    if (area.left >= area.right || area.top >= area.bottom || area.left < 0 || area.top < 0) {
        // QEMU tolerates empty areas from old drivers.
        if (area.left != area.right && area.top != area.bottom)
            guest_bug("UPDATE_AREA with a disordered or negative area");
        return;
    }
    drain(QxlRing::Command, max_commands_per_pass);
    if (m_guest_bug)
        return;
    const QxlSurfaceExtent& surface = m_surfaces[id];
    if (!surface.live) {
        LOG_WARN("qxl", "UPDATE_AREA of surface %u, which does not exist", id);
        return;
    }
    Rect clipped {
        .left = area.left,
        .top = area.top,
        .right = std::min(area.right, int32_t(surface.width)),
        .bottom = std::min(area.bottom, int32_t(surface.height)),
    };
    if (!clipped.empty())
        m_sink.update_area(id, clipped);
}

void QxlDevice::destroy_surface(uint32_t id, bool release_create)
{
    m_sink.destroy_surface(id);
    m_surfaces[id] = {};
    uint8_t* create = std::exchange(m_held_creates[id], nullptr);
    if (create && release_create)
        release({ create, sizeof(QXLReleaseInfo) });
}

void QxlDevice::destroy_all_surfaces()
{
    for (uint32_t id = 0; id < m_surfaces.size(); ++id) {
        if (m_surfaces[id].live)
            destroy_surface(id, true);
    }
    m_sink.cursor(CursorReset {});
}

void QxlDevice::monitors_config()
{
    auto config = m_parser.parse_monitors_config(m_ram.monitors_config());
    if (!config)
        return guest_bug("monitors config: " + config.error().message);
    if (*config)
        m_sink.monitors_config(std::move(**config));
    else
        LOG_WARN("qxl", "ignoring %s", m_parser.dropped_reason().c_str());
}

void QxlDevice::notify_oom()
{
    // The guest ran out of memory: return everything we can at once, as QEMU's oom_running does.
    if (!m_ram.release_ring_empty())
        return;
    m_oom_running = true;
    drain(QxlRing::Command, max_commands_per_pass);
    m_oom_running = false;
    if (!m_guest_bug)
        flush_release();
}

void QxlDevice::flush_release()
{
    auto push = m_ram.push_releases(true);
    if (!push)
        return guest_bug(push.error().message);
    if (push->full)
        LOG_WARN("qxl", "release ring full, nothing flushed");
    if (push->notify)
        raise(QXL_INTERRUPT_DISPLAY);
}

void QxlDevice::release(std::span<uint8_t> command)
{
    m_ram.release(command.first<sizeof(QXLReleaseInfo)>());
    if (m_oom_running)
        return;
    auto push = m_ram.push_releases(false);
    if (!push)
        return guest_bug(push.error().message);
    if (push->notify)
        raise(QXL_INTERRUPT_DISPLAY);
}

bool QxlDevice::drain(QxlRing ring, uint32_t budget)
{
    if (m_guest_bug || m_mode == QxlMode::Vga)
        return false;
    for (uint32_t handled = 0; handled < budget && !m_guest_bug;) {
        auto popped = m_ram.pop(ring);
        if (!popped) {
            guest_bug(std::string(ring == QxlRing::Command ? "command" : "cursor") + " ring: " + popped.error().message);
            return false;
        }
        if (!*popped) {
            if (m_ram.arm_notify(ring))
                return false;
            continue;
        }
        if ((*popped)->notify)
            raise(ring == QxlRing::Command ? QXL_INTERRUPT_DISPLAY : QXL_INTERRUPT_CURSOR);
        if (ring == QxlRing::Command)
            handle_command((*popped)->command);
        else
            handle_cursor_command((*popped)->command);
        ++handled;
    }
    return !m_guest_bug;
}

void QxlDevice::handle_command(const QXLCommand& command)
{
    switch (command.type) {
    case QXL_CMD_NOP:
        return;
    case QXL_CMD_DRAW: {
        auto bytes = m_slots.translate(command.data, sizeof(QXLDrawable));
        if (!bytes)
            return guest_bug("drawable: " + bytes.error().message);
        if (m_mode == QxlMode::Compat) {
            LOG_WARN("qxl", "dropping a revision-1 (compat) drawable: not supported");
            return release(*bytes);
        }
        auto drawable = m_parser.parse_drawable(*bytes);
        if (!drawable)
            return guest_bug("drawable: " + drawable.error().message);
        if (*drawable)
            m_sink.draw(std::move(**drawable));
        else if (!m_parser.dropped_reason().empty())
            log(m_parser.dropped_routinely() ? LogLevel::Info : LogLevel::Warning, "qxl", "dropping drawable: %s", m_parser.dropped_reason().c_str());
        return release(*bytes);
    }
    case QXL_CMD_UPDATE:
    case QXL_CMD_MESSAGE: {
        // Deprecated; QEMU and spice-server only log them.
        size_t size = command.type == QXL_CMD_UPDATE ? sizeof(QXLUpdateCmd) : sizeof(QXLMessage);
        auto bytes = m_slots.translate(command.data, size);
        if (!bytes)
            return guest_bug("command: " + bytes.error().message);
        LOG_DEBUG("qxl", "ignoring deprecated command type %u", command.type);
        return release(*bytes);
    }
    case QXL_CMD_SURFACE: {
        auto bytes = m_slots.translate(command.data, sizeof(QXLSurfaceCmd));
        if (!bytes)
            return guest_bug("surface command: " + bytes.error().message);
        return handle_surface_command(*bytes);
    }
    }
    guest_bug("command type " + std::to_string(command.type) + " on the command ring");
}

void QxlDevice::handle_surface_command(std::span<uint8_t> bytes)
{
    auto parsed = m_parser.parse_surface(bytes);
    if (!parsed)
        return guest_bug("surface command: " + parsed.error().message);
    if (auto* destroy = std::get_if<SurfaceDestroy>(&*parsed)) {
        if (!m_surfaces[destroy->surface_id].live) {
            LOG_WARN("qxl", "dropping destroy of surface %u, which does not exist", destroy->surface_id);
            return release(bytes);
        }
        // The create command was held until now; both go back, create first.
        destroy_surface(destroy->surface_id, true);
        return release(bytes);
    }
    auto& create = std::get<SurfaceCreate>(*parsed);
    if (m_surfaces[create.surface_id].live)
        return guest_bug("surface " + std::to_string(create.surface_id) + " created twice");
    if (!create.keep_data)
        std::memset(create.memory.data(), 0, create.memory.size());
    m_surfaces[create.surface_id] = { .live = true, .width = create.width, .height = create.height };
    // Drivers free a surface's create command only once it is destroyed (Linux reuses it for the
    // destroy), so it is held until then, as spice-server does.
    m_held_creates[create.surface_id] = bytes.data();
    m_sink.create_surface(create);
}

void QxlDevice::handle_cursor_command(const QXLCommand& command)
{
    if (command.type != QXL_CMD_CURSOR)
        return guest_bug("command type " + std::to_string(command.type) + " on the cursor ring");
    auto bytes = m_slots.translate(command.data, sizeof(QXLCursorCmd));
    if (!bytes)
        return guest_bug("cursor command: " + bytes.error().message);
    auto cursor = m_parser.parse_cursor(*bytes);
    if (!cursor)
        return guest_bug("cursor command: " + cursor.error().message);
    if (*cursor)
        m_sink.cursor(std::move(**cursor));
    release(*bytes);
}

} // namespace spicebox
