#include "qxl/qxl_vga_card.h"

#include <cstring>

namespace spicebox {

namespace {

Rect whole(const Framebuffer& screen) { return { 0, 0, int32_t(screen.width), int32_t(screen.height) }; }

// Copies the rows of `next` that differ from `out` (same size) and returns them, consecutive rows merged.
std::vector<Rect> copy_changed_rows(const Framebuffer& next, Framebuffer& out)
{
    std::vector<Rect> rects;
    size_t row_bytes = size_t(next.width) * sizeof(uint32_t);
    for (uint32_t y = 0; y < next.height; ++y) {
        if (std::memcmp(out.row(y), next.row(y), row_bytes) == 0)
            continue;
        std::memcpy(out.row(y), next.row(y), row_bytes);
        if (!rects.empty() && rects.back().bottom == int32_t(y))
            rects.back().bottom = int32_t(y + 1);
        else
            rects.push_back({ 0, int32_t(y), int32_t(next.width), int32_t(y + 1) });
    }
    return rects;
}

}

Result<std::unique_ptr<QxlVgaCard>> QxlVgaCard::create(std::shared_ptr<QxlDevice> device, PrimaryReader read_primary)
{
    if (!device || !read_primary)
        return Error { "qxl-vga: a device and a primary reader are needed" };
    // As QEMU's qxl-vga: the VGA planes and VBE framebuffer are the first vgamem bytes of BAR0.
    auto core = TRY(VgaCore::create(device->ram_memory(), device->layout().vgamem_size));
    std::unique_ptr<QxlVgaCard> card(new QxlVgaCard(std::move(device), std::move(core), std::move(read_primary)));
    card->m_device->set_vga_companion(card.get());
    // Read after attaching, so no change can fall between the two.
    card->m_mode = card->m_device->mode();
    return card;
}

QxlVgaCard::QxlVgaCard(std::shared_ptr<QxlDevice> device, std::shared_ptr<VgaCore> core, PrimaryReader read_primary)
    : m_device(std::move(device))
    , m_core(std::move(core))
    , m_read_primary(std::move(read_primary))
    , m_mode(QxlMode::Vga)
{
}

QxlVgaCard::~QxlVgaCard()
{
    // The device may outlive the card (the PCI bus holds it too).
    m_device->set_vga_companion(nullptr);
}

void QxlVgaCard::qxl_mode_changed(QxlMode mode)
{
    m_mode = mode;
}

bool QxlVgaCard::read_primary()
{
    if (!m_read_primary(m_scratch))
        return false;
    std::swap(m_primary, m_scratch);
    return true;
}

void QxlVgaCard::render(Framebuffer& out)
{
    if (shows_vga()) {
        m_core->render(out);
        return;
    }
    std::lock_guard lock(m_screen_mutex);
    // No primary yet (CREATE_PRIMARY announces native mode just before the surface) and none before it:
    // the VGA picture is still what the guest last showed.
    if (!read_primary() && m_primary.pixels.empty()) {
        m_core->render(out);
        return;
    }
    out = m_primary;
}

std::vector<Rect> QxlVgaCard::update(Framebuffer& out)
{
    std::lock_guard lock(m_screen_mutex);
    if (shows_vga()) {
        if (m_shown == Shown::Vga)
            return m_core->update(out);
        // The core only knows what changed in its own picture: take its changes, then all of it.
        m_core->update(out);
        m_core->render(out);
        m_shown = Shown::Vga;
        return { whole(out) };
    }
    if (!read_primary())
        return {};
    if (m_shown != Shown::Primary || out.width != m_primary.width || out.height != m_primary.height) {
        out = m_primary;
        m_shown = Shown::Primary;
        return { whole(out) };
    }
    return copy_changed_rows(m_primary, out);
}

std::optional<std::vector<std::string>> QxlVgaCard::text_screen()
{
    if (!shows_vga())
        return std::nullopt;
    return m_core->text_screen();
}

} // namespace spicebox
