// Finds the display card on PCI bus 0 (stdvga 1234:1111, or QXL 1b36:0100 in its VGA mode: both put the
// VBE linear framebuffer at BAR0), sets 1024x768x32 through the Bochs DISPI registers, widens the
// virtual screen and pans it with the X and Y offsets, then draws patterns/vbe_pattern.h into the
// framebuffer with plain memory writes from ring 3 (no exits). The screenshot test renders the same
// pattern and compares pixel by pixel.
#include "patterns/vbe_pattern.h"
#include "runtime/pci.h"
#include "runtime/runtime.h"

namespace spicebox::guest {

namespace {

namespace pattern = patterns::vbe;

struct Card {
    uint16_t vendor;
    uint16_t device;
};
constexpr Card cards[] = { { 0x1234, 0x1111 }, { 0x1b36, 0x0100 } };

namespace dispi {
constexpr uint16_t index_port = 0x1CE;
constexpr uint16_t data_port = 0x1CF;
enum class Index : uint16_t {
    Id = 0,
    XRes = 1,
    YRes = 2,
    Bpp = 3,
    Enable = 4,
    Bank = 5,
    VirtWidth = 6,
    VirtHeight = 7,
    XOffset = 8,
    YOffset = 9,
    VideoMemory64K = 0xA,
};
constexpr uint16_t id_latest = 0xB0C5;
constexpr uint16_t disabled = 0x00;
constexpr uint16_t enabled = 0x01;
constexpr uint16_t lfb_enabled = 0x40;
constexpr uint64_t memory_unit = 64 * 1024;
}

// The display is blank until the attribute controller's index has its palette-address-source bit set,
// in DISPI modes too (as on QEMU; Linux's bochs-drm unblanks the same way). Its flip-flop is reset by
// reading input status 1, which answers at 0x3DA once MISC selects the colour ports.
namespace vga_port {
constexpr uint16_t attribute = 0x3C0;
constexpr uint16_t misc_output_write = 0x3C2;
constexpr uint16_t input_status_1 = 0x3DA;
constexpr uint8_t misc_colour = 0x01;
constexpr uint8_t palette_address_source = 0x20;
}

constexpr uint64_t four_gib = uint64_t(1) << 32;
constexpr unsigned bytes_per_pixel = pattern::bits_per_pixel / 8;
constexpr uint64_t drawn_bytes = uint64_t(pattern::virtual_width) * pattern::drawn_height * bytes_per_pixel;

void dispi_write(dispi::Index index, uint16_t value)
{
    outw(dispi::index_port, uint16_t(index));
    outw(dispi::data_port, value);
}

uint16_t dispi_read(dispi::Index index)
{
    outw(dispi::index_port, uint16_t(index));
    return inw(dispi::data_port);
}

// The first known card on bus 0.
bool find_card(pci::Function& found)
{
    for (const Card& card : cards) {
        if (pci::find(card.vendor, card.device, found))
            return true;
    }
    return false;
}

struct Expected {
    dispi::Index index;
    uint16_t value;
    const char* name;
};

// DISPI sanitises what it is given; a value it changed means the mode is not the pattern's.
bool registers_hold(const Expected* expected, unsigned count)
{
    bool all = true;
    for (unsigned i = 0; i < count; ++i) {
        uint16_t actual = dispi_read(expected[i].index);
        if (actual != expected[i].value) {
            printf("vbe: %s reads %u, not %u\n", expected[i].name, unsigned(actual), unsigned(expected[i].value));
            all = false;
        }
    }
    return all;
}

void unblank()
{
    outb(vga_port::misc_output_write, vga_port::misc_colour);
    inb(vga_port::input_status_1);
    outb(vga_port::attribute, vga_port::palette_address_source);
}

void draw(uint64_t framebuffer)
{
    auto* pixels = reinterpret_cast<volatile uint32_t*>(framebuffer);
    for (unsigned y = 0; y < pattern::drawn_height; ++y) {
        volatile uint32_t* row = pixels + uint64_t(y) * pattern::virtual_width;
        for (unsigned x = 0; x < pattern::virtual_width; ++x)
            row[x] = pattern::virtual_pixel(x, y);
    }
}

}

int guest_main(const BootInfo&)
{
    pci::Function card;
    if (!find_card(card)) {
        print("vbe: no 1234:1111 or 1b36:0100 display on PCI bus 0\n");
        return int(ExitStatus::Failed);
    }
    // The runtime identity-maps only the first 4 GiB.
    pci::Bar bar0 = pci::read_bar(card, 0);
    uint64_t framebuffer = bar0.address;
    if (bar0.io || framebuffer == 0 || bar0.size < drawn_bytes || framebuffer + drawn_bytes > four_gib) {
        printf("vbe: BAR0 of 00:%02x.0 is not a usable memory BAR (0x%lx, %lu bytes)\n", card.device, framebuffer, bar0.size);
        return int(ExitStatus::Failed);
    }
    // The low half only: writing the status half back could clear its write-one-to-clear bits.
    uint16_t command = uint16_t(pci::read32(card, pci::reg::command));
    if (!(command & pci::command::memory_space))
        pci::write32(card, pci::reg::command, command | pci::command::memory_space);

    dispi_write(dispi::Index::Id, dispi::id_latest);
    uint16_t id = dispi_read(dispi::Index::Id);
    if (id != dispi::id_latest) {
        printf("vbe: DISPI id reads 0x%x after writing 0x%x\n", unsigned(id), unsigned(dispi::id_latest));
        return int(ExitStatus::Failed);
    }
    uint64_t video_memory = dispi_read(dispi::Index::VideoMemory64K) * dispi::memory_unit;
    if (video_memory < drawn_bytes) {
        printf("vbe: %lu bytes of video memory, the pattern needs %lu\n", video_memory, drawn_bytes);
        return int(ExitStatus::Failed);
    }

    // Enabling resets the virtual width and the offsets, so they come after.
    dispi_write(dispi::Index::Enable, dispi::disabled);
    dispi_write(dispi::Index::XRes, pattern::width);
    dispi_write(dispi::Index::YRes, pattern::height);
    dispi_write(dispi::Index::Bpp, pattern::bits_per_pixel);
    dispi_write(dispi::Index::Bank, 0);
    dispi_write(dispi::Index::Enable, dispi::enabled | dispi::lfb_enabled);
    dispi_write(dispi::Index::VirtWidth, pattern::virtual_width);
    dispi_write(dispi::Index::XOffset, pattern::x_offset);
    dispi_write(dispi::Index::YOffset, pattern::y_offset);

    const Expected mode[] = {
        { dispi::Index::XRes, pattern::width, "XRES" },
        { dispi::Index::YRes, pattern::height, "YRES" },
        { dispi::Index::Bpp, pattern::bits_per_pixel, "BPP" },
        { dispi::Index::Enable, dispi::enabled | dispi::lfb_enabled, "ENABLE" },
        { dispi::Index::VirtWidth, pattern::virtual_width, "VIRT_WIDTH" },
        { dispi::Index::XOffset, pattern::x_offset, "X_OFFSET" },
        { dispi::Index::YOffset, pattern::y_offset, "Y_OFFSET" },
    };
    if (!registers_hold(mode, sizeof mode / sizeof mode[0]))
        return int(ExitStatus::Failed);

    unblank();
    draw(framebuffer);
    printf("vbe: ready (00:%02x.0, framebuffer at 0x%lx)\n", card.device, framebuffer);
    return int(ExitStatus::Passed);
}

}
