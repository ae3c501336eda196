// The display channel of one client, fed from the framebuffer: after the client's DISPLAY_INIT it gets the
// primary surface, the whole screen and a MARK; then the rectangles that change, as raw DRAW_COPYs.
//
// The pipe: what the client is owed is a bounded queue of items (surface create/destroy, draw of an area,
// mark) whose pixels are read from the server's current screen only when the item is sent, so a late item
// is never stale. A client that falls behind (more items than the bound) has its queued draws replaced
// by one draw of the whole screen: the guest and the other clients never wait for it. Draw commands from
// a command source will be items of this same queue.
#pragma once

#include "spice-common/framebuffer.h"
#include "spice-server/channel_client.h"

#include <deque>
#include <optional>

namespace spicebox {

// spice-server's display channel receive limit.
constexpr size_t kDisplayMaxMessageBytes = 1024;
// Larger draws are split into bands of rows (the first frame of any screen up to 2048x2048 fits one).
constexpr size_t kMaxDrawBytes = 16 * 1024 * 1024;
// Queued items beyond which a client's pending draws are coalesced into one full-screen draw.
constexpr size_t kMaxPipeItems = 64;
constexpr uint32_t kDisplayAckWindow = 20;

// What all display clients share: the server's copy of the screen and the image id counter.
struct DisplayState {
    Framebuffer screen;
    uint64_t next_image_id { 1 };
};

class DisplayChannelClient final : public ChannelClient {
public:
    DisplayChannelClient(std::unique_ptr<SocketStream>, LinkRequest, DisplayState&);

    Result<void> start() override;
    bool initialized() const { return m_initialized; }
    // The screen changed size (0x0: no picture): the surface is re-created and redrawn.
    void screen_resized();
    // These areas of the screen changed.
    void screen_updated(std::span<const Rect>);

    size_t queued_items() const { return m_pipe.size(); }
    // Counts of what this client was sent, for logs and tests.
    uint64_t draws_sent() const { return m_draws_sent; }
    uint64_t coalesced_updates() const { return m_coalesced; }

private:
    struct Item {
        enum class Kind { CreateSurface, DestroySurface, Draw, Mark };
        Kind kind;
        Rect area {};
    };

    Result<void> handle_message(uint16_t type, std::span<const uint8_t> body) override;
    bool produce() override;
    void send_draw(Item&);
    void queue_full_redraw();
    Rect screen_rect() const;

    DisplayState& m_state;
    bool m_initialized { false };
    std::deque<Item> m_pipe;
    // The primary surface's size as the client has it (nullopt: none created).
    std::optional<std::pair<uint32_t, uint32_t>> m_client_surface;
    uint64_t m_draws_sent { 0 };
    uint64_t m_coalesced { 0 };
};

} // namespace spicebox
