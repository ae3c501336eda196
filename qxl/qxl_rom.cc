#include "qxl/qxl_rom.h"

#include <array>
#include <cstring>

namespace spicebox {

namespace {

struct Resolution {
    uint32_t width;
    uint32_t height;
};

// QEMU's resolutions, in its order.
constexpr std::array<Resolution, 37> resolutions { {
    { 640, 480 }, { 800, 480 }, { 800, 600 }, { 832, 624 }, { 960, 640 }, { 1024, 600 }, { 1024, 768 },
    { 1152, 864 }, { 1152, 870 }, { 1280, 720 }, { 1280, 760 }, { 1280, 768 }, { 1280, 800 }, { 1280, 960 },
    { 1280, 1024 }, { 1360, 768 }, { 1366, 768 }, { 1400, 1050 }, { 1440, 900 }, { 1600, 900 }, { 1600, 1200 },
    { 1680, 1050 }, { 1920, 1080 }, { 1920, 1200 }, { 1920, 1440 }, { 2000, 2000 }, { 2048, 1536 }, { 2048, 2048 },
    { 2560, 1440 }, { 2560, 1600 }, { 2560, 2048 }, { 2800, 2100 }, { 3200, 2400 }, { 3840, 2160 }, { 4096, 2160 },
    { 7680, 4320 }, { 8192, 4320 },
} };

// Millimetres per pixel QEMU reports (a 1280x1024 screen of 14.8" x 11.9").
constexpr double pixel_size_mm = 0.2936875;
constexpr std::array<uint32_t, 2> depths { 16, 32 };
constexpr std::array<uint32_t, 2> orientations { 0, 1 };

constexpr std::array<QXLMode, resolutions.size() * 4> build_mode_table()
{
    std::array<QXLMode, resolutions.size() * 4> modes {};
    uint32_t index = 0;
    for (const auto& resolution : resolutions) {
        for (uint32_t orientation : orientations) {
            for (uint32_t bits : depths) {
                modes[index] = QXLMode {
                    .id = index,
                    .x_res = resolution.width,
                    .y_res = resolution.height,
                    .bits = bits,
                    .stride = resolution.width * bits / 8,
                    .x_mili = uint32_t(pixel_size_mm * resolution.width),
                    .y_mili = uint32_t(pixel_size_mm * resolution.height),
                    .orientation = orientation,
                };
                ++index;
            }
        }
    }
    return modes;
}

constexpr auto mode_table = build_mode_table();

} // namespace

std::span<const QXLMode> qxl_mode_table()
{
    return mode_table;
}

void write_qxl_rom(std::span<uint8_t> rom, const QxlLayout& layout)
{
    std::memset(rom.data(), 0, rom.size());

    QXLRom header {};
    header.magic = QXL_ROM_MAGIC;
    header.id = layout.id;
    header.modes_offset = sizeof(QXLRom);
    header.num_pages = uint32_t(layout.num_pages);
    header.pages_offset = uint32_t(layout.vgamem_size);
    header.draw_area_offset = 0;
    header.surface0_area_size = uint32_t(layout.vgamem_size);
    header.ram_header_offset = uint32_t(layout.ram_header_offset);
    header.n_surfaces = layout.surfaces;
    header.slots_start = qxl_first_guest_memslot;
    header.slots_end = qxl_memslot_count - 1;
    header.slot_gen_bits = qxl_memslot_generation_bits;
    header.slot_id_bits = qxl_memslot_id_bits;
    std::memcpy(rom.data(), &header, sizeof(header));

    uint8_t* modes = rom.data() + sizeof(QXLRom);
    uint32_t count = 0;
    for (const QXLMode& mode : mode_table) {
        if (uint64_t(mode.y_res) * mode.stride > layout.vgamem_size)
            continue;
        std::memcpy(modes + sizeof(uint32_t) + count * sizeof(QXLMode), &mode, sizeof(QXLMode));
        ++count;
    }
    std::memcpy(modes, &count, sizeof(count));
}

} // namespace spicebox
