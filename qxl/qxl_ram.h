// The RAM header at the end of BAR0 (QXLRam): interrupt registers, the parameters ports read,
// and the three rings, seen from the device's side. The guest writes this memory at any time
// without an exit, so every index is read once, validated against the ring's fixed capacity
// (never the guest-writable num_items) and only then used; ring fields are accessed atomically
// with full barriers where spice-protocol's ring macros have `spice_mb()`.
//
// Rings (spice/ipc_ring.h): the device consumes the command and cursor rings and produces the
// release ring. Consumer: pop at cons, cons++, "notify" (raise an interrupt) iff cons ==
// notify_on_cons; going idle sets notify_on_prod = prod + 1 and re-checks. Release ring: the item
// at prod is a work-in-progress chain head; each released command's release_info is rewritten
// from its id to the next id of the chain (0 ends it), and a push publishes the chain.
#pragma once

#include "base/result.h"

#include <spice/qxl_dev.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace spicebox {

enum class QxlRing { Command, Cursor };

class QxlRam {
public:
    // QEMU publishes releases in bunches of this many unless flushing (`qxl_push_free_res`).
    static constexpr uint32_t release_bunch = 32;

    // `header` is the RAM header block of BAR0 (at least sizeof(QXLRam) bytes, page-aligned).
    explicit QxlRam(std::span<uint8_t> header);

    // As QEMU's `init_qxl_ram`: magic, no interrupts pending or enabled, empty rings, and the
    // device-side release state forgotten.
    void reset();

    // Sets `events` in int_pending; returns the ones that were not already pending.
    uint32_t raise(uint32_t events);
    uint32_t int_pending() const;
    uint32_t int_mask() const;

    // Parameters the guest writes before a port access; each call copies the field once.
    QXLRect update_area() const;
    uint32_t update_surface() const;
    QXLMemSlot mem_slot() const;
    QXLSurfaceCreate create_surface() const;
    QXLPHYSICAL monitors_config() const;
    std::string log_message() const; // log_buf up to its first NUL, printable characters only

    struct Popped {
        QXLCommand command;
        bool notify { false }; // the guest waits for room: raise DISPLAY / CURSOR
    };
    // The next command, or nullopt when the ring is empty; an error when the indices are corrupt.
    Result<std::optional<Popped>> pop(QxlRing);
    // Before the consumer sleeps: asks the guest to kick at its next push. Returns true if the
    // ring is still empty afterwards (sleeping is safe), false if a command arrived meanwhile.
    bool arm_notify(QxlRing);

    // Appends the command whose release_info is `release_info` (8 bytes of device memory,
    // validated by the caller) to the release chain.
    void release(std::span<uint8_t, 8> release_info);
    uint32_t pending_releases() const { return m_pending_releases; }
    bool release_ring_empty() const;

    struct Push {
        bool pushed { false };
        bool full { false };   // no room (one slot stays free for the next chain head)
        bool notify { false }; // the guest asked to hear about this push: raise DISPLAY
    };
    // Publishes the chain when it holds `release_bunch` commands, or whenever there is one if
    // `flush`. An error when the guest corrupted the release ring's indices.
    Result<Push> push_releases(bool flush);

private:
    uint32_t load(size_t offset) const;
    void store(size_t offset, uint32_t value);
    size_t ring_offset(QxlRing) const;

    std::span<uint8_t> m_header;
    uint8_t* m_last_release { nullptr };
    uint32_t m_pending_releases { 0 };
};

} // namespace spicebox
