// The QXL command parser on a hostile memory image: a drawable, cursor, surface or monitors command at
// the start of slot 1, everything it points to wherever the input says (slot 1 is the whole image, slot
// 2 its second half). What the parser accepts is rendered by the real canvas onto live surfaces of
// several formats, as the device's worker does.
#include "base/log.h"
#include "qxl/qxl_command_parser.h"
#include "spice-common/canvas_sink.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_programs.h"

#include <array>
#include <cstring>
#include <vector>

using namespace spicebox;
using namespace spicebox::fuzz;

namespace {

struct BenchSurface {
    uint32_t id;
    uint32_t width;
    uint32_t height;
    SurfaceFormat format;
};

// Surface 2 does not exist, so commands naming it are dropped; the others exercise each canvas path.
constexpr std::array bench_surfaces {
    BenchSurface { 0, 64, 48, SurfaceFormat::Xrgb8888 },
    BenchSurface { 1, 33, 17, SurfaceFormat::Argb8888 },
    BenchSurface { 3, 16, 16, SurfaceFormat::A8 },
    BenchSurface { 4, 20, 10, SurfaceFormat::Rgb565 },
    BenchSurface { 5, 24, 8, SurfaceFormat::A1 },
};
constexpr uint32_t bench_surface_count = 8;

}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    set_log_level(LogLevel::Error);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace qxl_parser_bench;
    FuzzInput input(data, size);
    auto what = ParserInput(input.u8() % uint8_t(ParserInput::Count));
    std::vector<uint8_t> memory(memory_size);
    auto image = input.bytes(memory_size);
    std::memcpy(memory.data(), image.data(), image.size());

    QxlMemorySlots slots;
    QxlMemorySlots::Bar bar { memory, guest_address };
    if (!slots.add(1, guest_address, guest_address + memory_size, { &bar, 1 }))
        __builtin_trap();
    if (!slots.add(2, guest_address + memory_size / 2, guest_address + memory_size, { &bar, 1 }))
        __builtin_trap();

    CanvasSink sink;
    std::vector<QxlSurfaceExtent> extents(bench_surface_count);
    for (const auto& surface : bench_surfaces) {
        extents[surface.id] = { .live = true, .width = surface.width, .height = surface.height };
        sink.create_surface(SurfaceCreate { .surface_id = surface.id, .width = surface.width, .height = surface.height,
            .stride = 0, .format = surface.format, .primary = surface.id == 0, .keep_data = false, .memory = {} });
    }
    QxlCommandParser parser(slots, extents);

    std::span<const uint8_t> command(memory);
    switch (what) {
    case ParserInput::Drawable:
        if (auto drawable = parser.parse_drawable(command.first(sizeof(QXLDrawable))); drawable && *drawable)
            sink.draw(std::move(**drawable));
        break;
    case ParserInput::Cursor:
        if (auto cursor = parser.parse_cursor(command.first(sizeof(QXLCursorCmd))); cursor && *cursor)
            sink.cursor(std::move(**cursor));
        break;
    case ParserInput::Surface:
        // Only the parse: the device decides whether a create may replace a live surface.
        (void)parser.parse_surface(command.first(sizeof(QXLSurfaceCmd)));
        break;
    case ParserInput::Monitors:
        if (auto config = parser.parse_monitors_config(QXLPHYSICAL(1) << 56); config && *config)
            sink.monitors_config(std::move(**config));
        break;
    case ParserInput::Count:
        break;
    }
    Framebuffer screen;
    (void)sink.screenshot(screen, true);
    return 0;
}
