// Release ids for commands and what the driver frees when the device hands an id back on the
// release ring, in the two ways real drivers do it:
// - Table (Linux qxl.ko, qxl_release.c): small integer ids from 1, each naming a record of the heap
//   blocks the command owns (the command, its image, chunks, clip list, cursor shape).
// - Pointer (xf86-video-qxl, qxl_mem.c): the id is the command's own address with its kind in the
//   low two bits (0 drawable, 1 cursor, 2 surface); on release the driver re-reads the command to
//   find its sub-objects. This relies on the device leaving command memory alone apart from
//   release_info.
// Either way the command's first 8 bytes (release_info) hold the id until the device overwrites
// them with the next id of the chain.
#pragma once

#include "qxl/qxl_heap.h"

#include <stdint.h>

namespace spicebox::guest::qxl {

enum class ReleaseIds : uint8_t { Table, Pointer };

enum class CommandKind : uint8_t { Drawable = 0, Cursor = 1, Surface = 2 };

class Releases {
public:
    static constexpr unsigned capacity = 1024;
    static constexpr unsigned max_blocks = 6;

    Releases(Heap& heap, ReleaseIds ids) : m_heap(heap), m_ids(ids) { }

    ReleaseIds ids() const { return m_ids; }
    // Forgets every id (after RESET, which drops commands without releasing them).
    void clear();

    // Gives the heap block `command` an id and writes it to its release_info. False when the table
    // is full (Table ids): collect releases and try again.
    bool begin(void* command, CommandKind);
    // Records that `block` (a heap block) is freed with `command` (Table ids; Pointer ids find
    // sub-objects in the command itself).
    void attach(void* command, void* block);
    // Frees a command that was never pushed.
    void abandon(void* command);

    // A ReleaseFunction for Card::collect_releases; `self` is the Releases.
    static uint64_t release(void* self, uint64_t id);

    unsigned outstanding() const { return m_outstanding; }
    unsigned unknown_ids() const { return m_unknown; }

private:
    struct Record {
        void* command;
        void* blocks[max_blocks];
        unsigned count;
    };

    uint64_t release_table_id(uint64_t id);
    uint64_t release_pointer_id(uint64_t id);
    void free_chunks(QXLPHYSICAL first);
    void free_image(QXLPHYSICAL image);
    uint64_t next_of(void* command) const;

    Heap& m_heap;
    ReleaseIds m_ids;
    Record m_records[capacity] {};
    unsigned m_cursor { 0 };
    unsigned m_outstanding { 0 };
    unsigned m_unknown { 0 };
};

}
