// The in-process SPICE server: it listens (TCP or unix socket), runs the link handshake with ticket auth
// on every connection, and serves each client's main, display, inputs and cursor channels. Clients are
// independent: several may be connected at once, and one that misbehaves or falls behind is dealt with
// alone. Everything runs on the ServerLoop's thread.
#pragma once

#include "base/result.h"
#include "spice-server/display_channel.h"
#include "spice-server/display_source.h"
#include "spice-server/input_sink.h"
#include "spice-server/link_handshake.h"
#include "spice-server/cursor_stream.h"
#include "spice-server/mouse_mode.h"
#include "spice-server/listener.h"
#include "spice-server/server_loop.h"
#include "spice-server/throttled_log.h"
#include "spice-server/ticket_key.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace spicebox {

class AbsolutePointerWatch;
class ChannelClient;
class SocketStream;

constexpr size_t kDefaultMaxConnections = 64;

struct SpiceServerConfig {
    std::string address { "127.0.0.1" };
    std::optional<uint16_t> port;         // TCP (0: any free port); or
    std::optional<std::string> unix_path; // a unix socket
    std::optional<std::string> password;  // nullopt: ticketing disabled (any client is let in)
    bool listen { true };                 // false: no listener; clients come only through add_connection
    size_t max_connections { kDefaultMaxConnections }; // linked channels and links in progress together
};

// How often the screen is compared while a display client is connected.
constexpr auto kScreenPollInterval = std::chrono::milliseconds(20);
// Connections beyond max_connections are closed at once. Links in progress have a smaller share of it, so
// silent connections cannot keep real clients' channels from linking.
constexpr size_t kMaxConnectionsLimit = 4096;
constexpr size_t links_in_progress_limit(size_t max_connections) { return max_connections / 4 > 1 ? max_connections / 4 : 1; }
// Refusals and failing accepts are logged once per interval with a count (a flood must not flood stderr).
constexpr auto kRefusalLogInterval = std::chrono::seconds(1);
// After accept fails (e.g. EMFILE, the connection stays queued) the listener rests this long: level-triggered
// readiness would otherwise spin on it.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
// A connection that has not completed its link by then is closed: a client that connects and stays silent
// would otherwise hold one of the connections above for ever. Real clients link within milliseconds.
constexpr auto kLinkTimeout = std::chrono::seconds(10);

class SpiceServer final : private LinkPolicy {
public:
    // `screen` and `input` may be null (no display card, no input devices); they must outlive the server.
    static Result<std::unique_ptr<SpiceServer>> create(ServerLoop&, SpiceServerConfig, FramebufferSource* screen, InputSink* input);
    ~SpiceServer() override;

    // Empty without a listener.
    const std::string& uri() const { return m_listener ? m_listener->uri() : m_no_uri; }
    size_t connection_count() const { return m_links.size() + m_clients.size(); }
    // Serves a socket connected some other way (a socketpair to the in-process window) exactly like an
    // accepted one, from the link handshake on. Takes ownership of `fd`; call on the loop's thread.
    Result<void> add_connection(int fd);
    // Draw commands from a display device (QXL): while its driver has a primary surface, display clients
    // get its surfaces and commands instead of the framebuffer. `commands` must outlive the server.
    Result<void> attach_commands(CommandStream& commands);
    // Serves the cursor channels from a device's cursor commands (without, they say "no cursor"). It must
    // outlive the server.
    Result<void> attach_cursor(CursorStream& cursors);

private:
    struct PendingLink {
        std::unique_ptr<SocketStream> stream;
        std::unique_ptr<LinkHandshake> handshake;
        std::optional<int> timeout_timer;
    };

    SpiceServer(ServerLoop&, SpiceServerConfig, std::optional<Listener>, TicketKey, FramebufferSource*, InputSink*);

    // |LinkPolicy|
    SpiceLinkErr admit_channel(const LinkRequest&) override;
    SpiceLinkErr admit_session(const LinkRequest&) override;
    Capabilities channel_caps(uint8_t channel_type) override;

    void accept_connections();
    void resume_accepting();
    void on_ready(int fd);
    void advance_link(int fd);
    void start_channel(int fd, PendingLink);
    std::unique_ptr<ChannelClient> make_channel(std::unique_ptr<SocketStream>, const LinkRequest&);
    void serve(int fd);
    void after_io(ChannelClient&);
    // Logs a warning when the client is at fault (a bad client is one line), else an info line.
    void disconnect(int fd, const std::string& why, bool client_at_fault = true);
    void link_timed_out(int fd);
    void close_link(int fd);
    bool session_exists(uint32_t session_id) const;
    uint32_t new_session_id();
    bool has_display_clients() const;
    void schedule_screen_poll();
    void poll_screen();
    void drain_commands();
    void pump_display_clients();
    void announce_mouse_mode(uint16_t supported, uint16_t current);
    void drain_cursor();
    void flush_main_channels();

    ServerLoop& m_loop;
    SpiceServerConfig m_config;
    std::optional<Listener> m_listener;
    std::string m_no_uri;
    TicketKey m_key;
    FramebufferSource* m_screen_source;
    InputSink* m_input;
    std::chrono::steady_clock::time_point m_epoch;
    DisplayState m_display;
    std::map<int, PendingLink> m_links;
    std::map<int, std::unique_ptr<ChannelClient>> m_clients;
    std::map<int, bool> m_write_interest;
    std::optional<int> m_poll_timer;
    ThrottledLog m_refusals;
    std::optional<int> m_accept_retry_timer;
    MouseMode m_mouse_mode;
    CursorStream* m_cursor_stream { nullptr };
    CursorState m_cursor; // as the commands drained so far leave it
    std::optional<int> m_main_flush_timer;
    // Last: destroyed first, so no mouse mode change arrives while the rest goes.
    std::unique_ptr<AbsolutePointerWatch> m_absolute_pointer;
};

} // namespace spicebox
