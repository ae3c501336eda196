#include "qxl/qxl_layout.h"

#include <spice/qxl_dev.h>

#include <algorithm>
#include <bit>
#include <string>

namespace spicebox {

namespace {

constexpr uint64_t page_size = 4096;
constexpr uint64_t vgamem_min = 8 * QxlConfig::MiB;
constexpr uint64_t vgamem_max = 256 * QxlConfig::MiB;
constexpr uint64_t bar32_max = uint64_t(1) << 31;
constexpr uint32_t surfaces_max = 1 << 16;

uint64_t align_up(uint64_t value, uint64_t alignment)
{
    return (value + alignment - 1) / alignment * alignment;
}

}

Result<QxlLayout> QxlLayout::from_config(const QxlConfig& config)
{
    if (config.ram_size > bar32_max || config.vram_size > bar32_max)
        return Error { "qxl: ram and vram sizes must be at most 2 GiB" };
    if (config.surfaces == 0 || config.surfaces > surfaces_max)
        return Error { "qxl: the surface count must be between 1 and " + std::to_string(surfaces_max) };

    QxlLayout layout;
    layout.vgamem_size = std::bit_ceil(std::clamp(config.vgamem_size, vgamem_min, vgamem_max));
    layout.ram_size = std::bit_ceil(std::max(config.ram_size, 2 * layout.vgamem_size));
    layout.vram_size = std::bit_ceil(std::max(config.vram_size, page_size));
    layout.surfaces = config.surfaces;
    layout.id = config.id;
    layout.ram_header_size = align_up(sizeof(QXLRam), page_size);
    layout.ram_header_offset = layout.ram_size - layout.ram_header_size;
    layout.num_pages = (layout.ram_size - layout.ram_header_size - layout.vgamem_size) / page_size;
    return layout;
}

} // namespace spicebox
