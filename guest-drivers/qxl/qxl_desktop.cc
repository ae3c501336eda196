#include "qxl/qxl_desktop.h"

#include "qxl/qxl_card.h"
#include "qxl/qxl_heap.h"
#include "runtime/print.h"

namespace spicebox::guest::qxl {

bool start_desktop(Card& card, Heap& heap, uint32_t width, uint32_t height, const char* who)
{
    const QXLRom& rom = card.rom();
    const Bars& bars = card.bars();
    uint8_t main_slot = rom.slots_start;
    uint8_t surface_slot = uint8_t(rom.slots_start + 1);
    if (!card.memslot_add(main_slot, bars.ram, bars.ram + rom.ram_header_offset, true)
        || !card.memslot_add(surface_slot, bars.vram, bars.vram + bars.vram_size, true)) {
        printf("%s: memory slots refused\n", who);
        return false;
    }
    heap.init(card, main_slot, card.ram_bar(), rom.pages_offset, uint64_t(rom.num_pages) * 4096);
    QXLSurfaceCreate create {};
    create.width = width;
    create.height = height;
    create.stride = int32_t(width * 4);
    create.format = SPICE_SURFACE_FMT_32_xRGB;
    create.type = QXL_SURF_TYPE_PRIMARY;
    create.mem = card.physical(surface_slot, 0);
    if (!card.create_primary(create, true)) {
        printf("%s: creating the primary failed\n", who);
        return false;
    }
    return true;
}

}
