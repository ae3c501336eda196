// The card's memory slots: how a QXLPHYSICAL the guest writes (slot id | generation | offset, as
// the ROM's slot_id_bits/slot_gen_bits say) becomes host memory. A slot is a range of one of the
// card's own memory BARs; guest RAM is never reachable through a slot (QEMU's
// `qxl_add_memslot` also only accepts ranges inside the card's BARs).
//
// Every translation checks slot id, activity, generation (spice-server's rule; QEMU skips it) and
// that the whole requested range lies inside the slot, computing in 64 bits.
#pragma once

#include "base/result.h"

#include <spice/qxl_dev.h>

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace spicebox {

class QxlMemorySlots {
public:
    // A memory BAR as the guest sees it now: its host memory and where it is mapped, if it is.
    struct Bar {
        std::span<uint8_t> memory;
        std::optional<uint64_t> guest_address;
    };

    // Activates slot `id` over the guest-physical range [start, end), which must lie inside one of
    // `bars`. `delta` is subtracted from offsets before the range check (0 for driver slots; the
    // BAR address for SET_MODE's slot 0, whose offsets are guest-physical).
    Result<void> add(uint8_t id, uint64_t start, uint64_t end, std::span<const Bar> bars, uint64_t delta = 0);
    Result<void> remove(uint8_t id);
    void reset();

    bool active(uint8_t id) const { return id < m_slots.size() && m_slots[id].active; }
    // The generation new slots get and addresses must carry. QEMU keeps it 0.
    uint8_t generation() const { return 0; }

    Result<std::span<uint8_t>> translate(QXLPHYSICAL address, uint64_t length) const;
    // `address` moved forward by `bytes` inside its slot (for structures embedded after a header).
    static Result<QXLPHYSICAL> advance(QXLPHYSICAL address, uint64_t bytes);

private:
    struct Slot {
        bool active { false };
        uint8_t generation { 0 };
        uint64_t delta { 0 };
        std::span<uint8_t> memory;
    };

    std::array<Slot, 8> m_slots {};
};

} // namespace spicebox
