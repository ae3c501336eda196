#include "qxl/qxl_display_worker.h"
#include "tests/unit/qxl/qxl_test_guest.h"

#include <atomic>
#include <chrono>
#include <thread>

using namespace spicebox;
using namespace spicebox::qxl_test;
using namespace std::chrono_literals;

namespace {

constexpr auto patience = 5s;

// A card in native mode (Linux's slots, a 64x64 primary in BAR1), as the worker only reads rings then.
struct NativeGuest : QxlTestGuest {
    NativeGuest()
    {
        add_linux_memslots();
        ram_header().create_surface = QXLSurfaceCreate {
            .width = 64, .height = 64, .stride = 256, .format = SPICE_SURFACE_FMT_32_xRGB, .position = 0,
            .mouse_mode = 0, .flags = 0, .type = QXL_SURF_TYPE_PRIMARY, .mem = physical(2, 0) };
        out(QXL_IO_CREATE_PRIMARY);
    }

    // Puts a cursor HIDE on the cursor ring, as a guest does, without kicking.
    void push_hide(uint64_t id)
    {
        QXLCursorCmd hide {};
        hide.release_info.id = id;
        hide.type = QXL_CURSOR_HIDE;
        push(ram_header().cursor_ring, physical(1, put(hide)), QXL_CMD_CURSOR);
    }

    // The device's consumer index, read as the guest reads it: from memory another thread writes.
    uint32_t cursor_ring_consumed()
    {
        auto* cons = reinterpret_cast<uint32_t*>(device->ram().data() + device->layout().ram_header_offset
            + offsetof(QXLRam, cursor_ring) + offsetof(QXLCursorRing, cons));
        return std::atomic_ref<uint32_t>(*cons).load();
    }

    bool wait_consumed(uint32_t count)
    {
        auto deadline = std::chrono::steady_clock::now() + patience;
        while (cursor_ring_consumed() < count) {
            if (std::chrono::steady_clock::now() > deadline)
                return false;
            std::this_thread::sleep_for(1ms);
        }
        return true;
    }
};

static_assert((offsetof(QXLRam, cursor_ring) + offsetof(QXLCursorRing, cons)) % alignof(uint32_t) == 0);

}

TEST_CASE("qxl display worker: a kick wakes it, it drains the ring, and it sleeps until the next kick")
{
    NativeGuest guest;
    auto worker = QxlDisplayWorker::start(guest.device);
    REQUIRE(worker.ok());

    guest.push_hide(1);
    guest.push_hide(2);
    guest.out(QXL_IO_NOTIFY_CURSOR);
    CHECK(guest.wait_consumed(2));

    // The device asked for a kick on the next push: without one the worker stays asleep.
    guest.push_hide(3);
    std::this_thread::sleep_for(50ms);
    CHECK(guest.cursor_ring_consumed() == 2);
    guest.out(QXL_IO_NOTIFY_CURSOR);
    CHECK(guest.wait_consumed(3));

    (*worker)->stop();
    CHECK(guest.sink.cursors.size() == 3);
    CHECK(guest.kicks == 0); // the worker replaced the bench's kick
    CHECK(!guest.error_state());
}

TEST_CASE("qxl display worker: stop detaches the kick and joins; later kicks do nothing; stop twice is harmless")
{
    NativeGuest guest;
    auto worker = QxlDisplayWorker::start(guest.device);
    REQUIRE(worker.ok());
    auto started = std::chrono::steady_clock::now();
    (*worker)->stop();
    CHECK(std::chrono::steady_clock::now() - started < patience);

    guest.push_hide(1);
    guest.out(QXL_IO_NOTIFY_CURSOR);
    (*worker)->wake();
    (*worker)->stop();
    CHECK(guest.cursor_ring_consumed() == 0);
    CHECK(guest.kicks == 0);
}

TEST_CASE("qxl display worker: destroying it mid-work stops the thread")
{
    NativeGuest guest;
    {
        auto worker = QxlDisplayWorker::start(guest.device);
        REQUIRE(worker.ok());
        for (uint64_t id = 1; id <= 20; ++id)
            guest.push_hide(id);
        guest.out(QXL_IO_NOTIFY_CURSOR);
    }
    // Joined: whatever the worker consumed is complete, and nothing more happens.
    uint32_t consumed = guest.cursor_ring_consumed();
    std::this_thread::sleep_for(20ms);
    CHECK(guest.cursor_ring_consumed() == consumed);
    guest.device->process_rings();
    CHECK(guest.cursor_ring_consumed() == 20);
    CHECK(!guest.error_state());
}
