#include "qxl/qxl_ram.h"

#include <atomic>
#include <cctype>
#include <cstddef>
#include <cstring>

namespace spicebox {

namespace {

// The command and cursor rings share one layout; offsets come from QXLCommandRing.
static_assert(sizeof(QXLCommandRing) == sizeof(QXLCursorRing));
static_assert(offsetof(QXLCommandRing, items) == offsetof(QXLCursorRing, items));

constexpr uint32_t command_ring_capacity = QXL_COMMAND_RING_SIZE;
static_assert(QXL_CURSOR_RING_SIZE == QXL_COMMAND_RING_SIZE);
constexpr uint32_t release_ring_capacity = QXL_RELEASE_RING_SIZE;

namespace ring_field {
constexpr size_t num_items = offsetof(QXLCommandRing, num_items);
constexpr size_t prod = offsetof(QXLCommandRing, prod);
constexpr size_t notify_on_prod = offsetof(QXLCommandRing, notify_on_prod);
constexpr size_t cons = offsetof(QXLCommandRing, cons);
constexpr size_t notify_on_cons = offsetof(QXLCommandRing, notify_on_cons);
constexpr size_t items = offsetof(QXLCommandRing, items);
constexpr size_t command_slot = sizeof(QXLCommandRing::items[0]);
}
static_assert(offsetof(QXLReleaseRing, prod) == ring_field::prod && offsetof(QXLReleaseRing, cons) == ring_field::cons);
constexpr size_t release_items = offsetof(QXLRam, release_ring) + offsetof(QXLReleaseRing, items);
constexpr size_t release_slot = sizeof(QXLReleaseRing::items[0]);

// Atomic accesses need natural alignment: the header is page-aligned and these offsets are.
static_assert(offsetof(QXLRam, int_pending) % 4 == 0 && offsetof(QXLRam, cmd_ring) % 4 == 0);
static_assert(offsetof(QXLRam, cursor_ring) % 4 == 0 && offsetof(QXLRam, release_ring) % 4 == 0);
static_assert(release_items % 8 == 0);

template<typename T>
T copy_field(std::span<uint8_t> header, size_t offset)
{
    T value;
    std::memcpy(&value, header.data() + offset, sizeof(T));
    return value;
}

}

QxlRam::QxlRam(std::span<uint8_t> header)
    : m_header(header)
{
}

uint32_t QxlRam::load(size_t offset) const
{
    return std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(m_header.data() + offset)).load();
}

void QxlRam::store(size_t offset, uint32_t value)
{
    std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(m_header.data() + offset)).store(value);
}

size_t QxlRam::ring_offset(QxlRing ring) const
{
    return ring == QxlRing::Command ? offsetof(QXLRam, cmd_ring) : offsetof(QXLRam, cursor_ring);
}

void QxlRam::reset()
{
    store(offsetof(QXLRam, magic), QXL_RAM_MAGIC);
    store(offsetof(QXLRam, int_pending), 0);
    store(offsetof(QXLRam, int_mask), 0);
    store(offsetof(QXLRam, update_surface), 0);
    uint64_t zero = 0;
    std::memcpy(m_header.data() + offsetof(QXLRam, monitors_config), &zero, sizeof(zero));
    for (size_t ring : { offsetof(QXLRam, cmd_ring), offsetof(QXLRam, cursor_ring), offsetof(QXLRam, release_ring) }) {
        uint32_t capacity = ring == offsetof(QXLRam, release_ring) ? release_ring_capacity : command_ring_capacity;
        store(ring + ring_field::num_items, capacity);
        store(ring + ring_field::prod, 0);
        store(ring + ring_field::cons, 0);
        store(ring + ring_field::notify_on_prod, 1);
        store(ring + ring_field::notify_on_cons, 0);
    }
    std::memcpy(m_header.data() + release_items, &zero, sizeof(zero));
    m_last_release = nullptr;
    m_pending_releases = 0;
}

uint32_t QxlRam::raise(uint32_t events)
{
    auto pending = std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(m_header.data() + offsetof(QXLRam, int_pending)));
    uint32_t old = pending.fetch_or(events);
    return events & ~old;
}

uint32_t QxlRam::int_pending() const
{
    return load(offsetof(QXLRam, int_pending));
}

uint32_t QxlRam::int_mask() const
{
    return load(offsetof(QXLRam, int_mask));
}

QXLRect QxlRam::update_area() const
{
    return copy_field<QXLRect>(m_header, offsetof(QXLRam, update_area));
}

uint32_t QxlRam::update_surface() const
{
    return load(offsetof(QXLRam, update_surface));
}

QXLMemSlot QxlRam::mem_slot() const
{
    return copy_field<QXLMemSlot>(m_header, offsetof(QXLRam, mem_slot));
}

QXLSurfaceCreate QxlRam::create_surface() const
{
    return copy_field<QXLSurfaceCreate>(m_header, offsetof(QXLRam, create_surface));
}

QXLPHYSICAL QxlRam::monitors_config() const
{
    return copy_field<QXLPHYSICAL>(m_header, offsetof(QXLRam, monitors_config));
}

std::string QxlRam::log_message() const
{
    std::string message;
    const uint8_t* buffer = m_header.data() + offsetof(QXLRam, log_buf);
    for (size_t i = 0; i < QXL_LOG_BUF_SIZE && buffer[i] != 0; ++i) {
        char c = char(buffer[i]);
        if (c == '\n' || c == '\r')
            continue;
        message += std::isprint(static_cast<unsigned char>(c)) ? c : '?';
    }
    return message;
}

Result<std::optional<QxlRam::Popped>> QxlRam::pop(QxlRing ring)
{
    size_t base = ring_offset(ring);
    if (load(base + ring_field::num_items) != command_ring_capacity)
        return Error { "ring size changed by the guest" };
    uint32_t cons = load(base + ring_field::cons);
    uint32_t prod = load(base + ring_field::prod);
    if (prod - cons > command_ring_capacity)
        return Error { "ring indices out of range (prod " + std::to_string(prod) + ", cons " + std::to_string(cons) + ")" };
    if (prod == cons)
        return std::optional<Popped> {};
    Popped popped;
    size_t item = base + ring_field::items + (cons % command_ring_capacity) * ring_field::command_slot;
    std::memcpy(&popped.command, m_header.data() + item, sizeof(QXLCommand));
    store(base + ring_field::cons, cons + 1);
    popped.notify = cons + 1 == load(base + ring_field::notify_on_cons);
    return std::optional<Popped> { popped };
}

bool QxlRam::arm_notify(QxlRing ring)
{
    size_t base = ring_offset(ring);
    uint32_t cons = load(base + ring_field::cons);
    uint32_t prod = load(base + ring_field::prod);
    if (prod != cons)
        return false;
    store(base + ring_field::notify_on_prod, prod + 1);
    return load(base + ring_field::prod) == cons;
}

void QxlRam::release(std::span<uint8_t, 8> release_info)
{
    // release_info is a union: read the id before `next` overwrites it.
    uint64_t id;
    std::memcpy(&id, release_info.data(), sizeof(id));
    if (m_last_release) {
        std::memcpy(m_last_release, &id, sizeof(id));
    } else {
        uint32_t prod = load(offsetof(QXLRam, release_ring) + ring_field::prod);
        std::memcpy(m_header.data() + release_items + (prod % release_ring_capacity) * release_slot, &id, sizeof(id));
    }
    uint64_t end = 0;
    std::memcpy(release_info.data(), &end, sizeof(end));
    m_last_release = release_info.data();
    ++m_pending_releases;
}

bool QxlRam::release_ring_empty() const
{
    size_t base = offsetof(QXLRam, release_ring);
    return load(base + ring_field::prod) == load(base + ring_field::cons);
}

Result<QxlRam::Push> QxlRam::push_releases(bool flush)
{
    size_t base = offsetof(QXLRam, release_ring);
    uint32_t prod = load(base + ring_field::prod);
    uint32_t cons = load(base + ring_field::cons);
    if (prod - cons >= release_ring_capacity)
        return Error { "release ring indices out of range (prod " + std::to_string(prod) + ", cons " + std::to_string(cons) + ")" };
    if (prod - cons + 1 == release_ring_capacity)
        return Push { .full = true };
    if (m_pending_releases == 0 || (!flush && m_pending_releases < release_bunch))
        return Push {};
    store(base + ring_field::prod, prod + 1);
    Push push { .pushed = true, .notify = prod + 1 == load(base + ring_field::notify_on_prod) };
    uint64_t empty_head = 0;
    std::memcpy(m_header.data() + release_items + ((prod + 1) % release_ring_capacity) * release_slot, &empty_head, sizeof(empty_head));
    m_last_release = nullptr;
    m_pending_releases = 0;
    return push;
}

} // namespace spicebox
