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
#include "spice-server/listener.h"
#include "spice-server/server_loop.h"
#include "spice-server/ticket_key.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace spicebox {

class ChannelClient;
class SocketStream;

struct SpiceServerConfig {
    std::string address { "127.0.0.1" };
    std::optional<uint16_t> port;         // TCP (0: any free port); or
    std::optional<std::string> unix_path; // a unix socket
    std::optional<std::string> password;  // nullopt: ticketing disabled (any client is let in)
};

// How often the screen is compared while a display client is connected.
constexpr auto kScreenPollInterval = std::chrono::milliseconds(20);
// Connections (linked channels and links in progress) beyond this are closed at once.
constexpr size_t kMaxConnections = 64;
// A connection that has not completed its link by then is closed: a client that connects and stays silent
// would otherwise hold one of the connections above for ever. Real clients link within milliseconds.
constexpr auto kLinkTimeout = std::chrono::seconds(10);

class SpiceServer final : private LinkPolicy {
public:
    // `screen` and `input` may be null (no display card, no input devices); they must outlive the server.
    static Result<std::unique_ptr<SpiceServer>> create(ServerLoop&, SpiceServerConfig, FramebufferSource* screen, InputSink* input);
    ~SpiceServer() override;

    const std::string& uri() const { return m_listener.uri(); }
    size_t connection_count() const { return m_links.size() + m_clients.size(); }

private:
    struct PendingLink {
        std::unique_ptr<SocketStream> stream;
        std::unique_ptr<LinkHandshake> handshake;
        std::optional<int> timeout_timer;
    };

    SpiceServer(ServerLoop&, SpiceServerConfig, Listener, TicketKey, FramebufferSource*, InputSink*);

    // |LinkPolicy|
    SpiceLinkErr admit_channel(const LinkRequest&) override;
    SpiceLinkErr admit_session(const LinkRequest&) override;
    Capabilities channel_caps(uint8_t channel_type) override;

    void accept_connections();
    void on_ready(int fd);
    void advance_link(int fd);
    void start_channel(int fd, PendingLink);
    std::unique_ptr<ChannelClient> make_channel(std::unique_ptr<SocketStream>, const LinkRequest&);
    void serve(int fd);
    void after_io(ChannelClient&);
    void disconnect(int fd, const std::string& why);
    void link_timed_out(int fd);
    void close_link(int fd);
    bool session_exists(uint32_t session_id) const;
    uint32_t new_session_id();
    bool has_display_clients() const;
    void schedule_screen_poll();
    void poll_screen();

    ServerLoop& m_loop;
    SpiceServerConfig m_config;
    Listener m_listener;
    TicketKey m_key;
    FramebufferSource* m_screen_source;
    InputSink* m_input;
    std::chrono::steady_clock::time_point m_epoch;
    DisplayState m_display;
    std::map<int, PendingLink> m_links;
    std::map<int, std::unique_ptr<ChannelClient>> m_clients;
    std::map<int, bool> m_write_interest;
    std::optional<int> m_poll_timer;
};

} // namespace spicebox
