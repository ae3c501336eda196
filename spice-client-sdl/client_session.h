// A SPICE client session: the link handshake and the main, display, cursor and inputs channels, with
// the display rendered by spice-common's canvas. It runs on its caller's thread: pump() handles what the
// server sent, the send_* calls queue input. Whatever the window (SDL, or none for screenshots), it
// reads screen() and cursor() after pump().
#pragma once

#include "base/result.h"
#include "spice-common/framebuffer.h"

#include <spice/enums.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace spicebox {

struct ClientOptions {
    std::string host;
    uint16_t port { 0 };
    std::optional<std::string> unix_path;
    std::optional<std::string> password;
    // Bounds each connection attempt and each channel's link handshake.
    std::chrono::milliseconds connect_timeout { 10000 };
    // Whether the display channel offers LZ4, and the image compression asked of a server that takes
    // PREFERRED_COMPRESSION (else the server's own choice): bench/ compares servers per client capability.
    bool offer_lz4 { true };
    std::optional<SpiceImageCompression> preferred_compression;
};

// spice://HOST:PORT (also spice://HOST?port=PORT) and spice+unix:///path.
Result<ClientOptions> parse_spice_uri(std::string_view);

// Opens one more connection to the same server, for a channel after the main one: a connected
// socket fd the session then owns.
using ChannelConnector = std::function<Result<int>()>;

class ClientChannels; // the channels and their state (client_channels.h)

class ClientSession {
public:
    static Result<std::unique_ptr<ClientSession>> connect(const ClientOptions&);
    // `connected_fd` is already connected to the server (an in-process socketpair); the further
    // channels are opened through `connector`.
    static Result<std::unique_ptr<ClientSession>> adopt(int connected_fd, std::optional<std::string> password,
        ChannelConnector connector = {});
    ~ClientSession();
    ClientSession(const ClientSession&) = delete;
    ClientSession& operator=(const ClientSession&) = delete;

    // Handles everything that arrived, waiting up to `timeout` for something; an error ends the session.
    Result<void> pump(std::chrono::milliseconds timeout);
    int wait_fd() const; // readable when pump has work (for an outside poll loop)

    const Framebuffer& screen() const;  // the primary surface as rendered so far (0x0 before one exists)
    uint64_t screen_generation() const; // bumps on every change of screen()
    // Bumps on changes larger than a blinking text cursor (a new primary, a draw over more than
    // 1/1000 of it): what a screenshot waits to settle.
    uint64_t screen_major_generation() const;
    bool frame_complete() const;        // a primary exists and the server's MARK for it arrived
    bool primary_drawn() const;         // a primary exists and something was drawn on it
    bool video_frames_waiting() const;  // stream frames wait for the server's time (pump() draws them when due)

    struct Cursor {
        bool visible { false };
        int32_t x { 0 };
        int32_t y { 0 };
        uint16_t hot_x { 0 };
        uint16_t hot_y { 0 };
        Framebuffer image; // ARGB
        uint64_t generation { 0 };
    };
    const Cursor& cursor() const;

    bool client_mouse_mode() const; // the server granted client (absolute) mouse mode
    void request_client_mouse_mode(bool);
    void send_key(uint32_t pc_scancode, bool down); // set-1 scancode, 0xE0-prefixed keys as 0xE0xx
    void send_mouse_motion(int32_t dx, int32_t dy, uint32_t buttons_state);
    void send_mouse_position(int32_t x, int32_t y, uint32_t buttons_state);
    void send_mouse_button(uint8_t spice_button, bool down, uint32_t buttons_state);
    std::string title() const; // the server's name/uuid if it sent them, else the URI

private:
    explicit ClientSession(std::unique_ptr<ClientChannels>);

    std::unique_ptr<ClientChannels> m_channels;
};

} // namespace spicebox
