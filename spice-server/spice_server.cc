#include "spice-server/spice_server.h"

#include "base/log.h"
#include "spice-server/absolute_pointer_watch.h"
#include "spice-server/cursor_channel.h"
#include "spice-server/inputs_channel.h"
#include "spice-server/main_channel.h"
#include "spice-server/socket_stream.h"

#include <spice/enums.h>

#include <random>
#include <unistd.h>

namespace spicebox {

namespace {

// Enough for the link header, the largest link message and the ticket.
constexpr size_t kLinkInputLimit = sizeof(SpiceLinkHeader) + kMaxLinkMessageBytes + sizeof(SpiceLinkEncryptedTicket)
    + sizeof(SpiceLinkAuthMechanism);

}

Result<std::unique_ptr<SpiceServer>> SpiceServer::create(ServerLoop& loop, SpiceServerConfig config, FramebufferSource* screen,
    InputSink* input)
{
    if (config.max_connections == 0 || config.max_connections > kMaxConnectionsLimit)
        return Error { "max-connections " + std::to_string(config.max_connections) + " outside [1, " + std::to_string(kMaxConnectionsLimit) + "]" };
    std::optional<Listener> listener;
    if (config.listen) {
        // A link in progress also holds its timeout timer (a timerfd in the machine's loop).
        TRY(Listener::reserve_descriptors(config.max_connections + links_in_progress_limit(config.max_connections)));
        listener.emplace(TRY(config.unix_path ? Listener::unix_socket(*config.unix_path) : Listener::tcp(config.address, config.port.value_or(0))));
    }
    auto key = TRY(TicketKey::generate());
    std::unique_ptr<SpiceServer> server(
        new SpiceServer(loop, std::move(config), std::move(listener), std::move(key), screen, input));
    if (server->m_listener)
        TRY(loop.watch(server->m_listener->fd(), [raw = server.get()] { raw->accept_connections(); }));
    if (input) {
        auto* raw = server.get();
        raw->m_absolute_pointer = TRY(AbsolutePointerWatch::start(loop, *input,
            [raw] { raw->m_mouse_mode.set_client_available(raw->m_input->absolute_pointer()); }));
        raw->m_mouse_mode.set_client_available(input->absolute_pointer());
    }
    return server;
}

SpiceServer::SpiceServer(ServerLoop& loop, SpiceServerConfig config, std::optional<Listener> listener, TicketKey key, FramebufferSource* screen,
    InputSink* input)
    : m_loop(loop)
    , m_config(std::move(config))
    , m_listener(std::move(listener))
    , m_key(std::move(key))
    , m_screen_source(screen)
    , m_input(input)
    , m_epoch(std::chrono::steady_clock::now())
    , m_refusals(loop, kRefusalLogInterval)
    , m_mouse_mode([this](uint16_t supported, uint16_t current) { announce_mouse_mode(supported, current); })
{
}

SpiceServer::~SpiceServer()
{
    m_absolute_pointer.reset();
    if (m_cursor_stream)
        m_loop.unwatch(m_cursor_stream->event_fd());
    if (m_main_flush_timer)
        m_loop.cancel_timer(*m_main_flush_timer);
    if (m_poll_timer)
        m_loop.cancel_timer(*m_poll_timer);
    if (m_accept_retry_timer)
        m_loop.cancel_timer(*m_accept_retry_timer);
    if (m_listener)
        m_loop.unwatch(m_listener->fd());
    if (m_display.commands) {
        m_display.commands->set_posting(false);
        m_loop.unwatch(m_display.commands->event_fd());
    }
    for (auto& [fd, link] : m_links) {
        if (link.timeout_timer)
            m_loop.cancel_timer(*link.timeout_timer);
        m_loop.unwatch(fd);
    }
    for (auto& [fd, client] : m_clients)
        m_loop.unwatch(fd);
}

SpiceLinkErr SpiceServer::admit_channel(const LinkRequest& request)
{
    if (request.channel_id != 0)
        return SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
    switch (request.channel_type) {
    case SPICE_CHANNEL_MAIN:
    case SPICE_CHANNEL_INPUTS:
    case SPICE_CHANNEL_CURSOR:
        return SPICE_LINK_ERR_OK;
    case SPICE_CHANNEL_DISPLAY:
        return m_screen_source ? SPICE_LINK_ERR_OK : SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
    default:
        return SPICE_LINK_ERR_CHANNEL_NOT_AVAILABLE;
    }
}

SpiceLinkErr SpiceServer::admit_session(const LinkRequest& request)
{
    if (request.channel_type == SPICE_CHANNEL_MAIN)
        return SPICE_LINK_ERR_OK;
    for (auto& [fd, client] : m_clients) {
        auto* main = dynamic_cast<MainChannelClient*>(client.get());
        if (main && main->session_id() == request.connection_id)
            return main->attached_channels() ? SPICE_LINK_ERR_OK : SPICE_LINK_ERR_BAD_CONNECTION_ID;
    }
    return SPICE_LINK_ERR_BAD_CONNECTION_ID;
}

bool SpiceServer::session_exists(uint32_t session_id) const
{
    for (auto& [fd, client] : m_clients) {
        if (client->link().channel_type == SPICE_CHANNEL_MAIN && client->session_id() == session_id)
            return true;
    }
    return false;
}

Capabilities SpiceServer::channel_caps(uint8_t channel_type)
{
    // The display channel takes PREFERRED_COMPRESSION (a client may ask for raw images) and sends
    // MONITORS_CONFIG for every primary. With that cap spice-gtk shows only the monitors the config
    // names; without it, it shows the whole primary for every monitor up to max_allowed, so
    // remote-viewer opened a window per head a QXL driver allows. No migration or KEY_SCANCODE yet.
    if (channel_type == SPICE_CHANNEL_DISPLAY)
        return Capabilities({ (1u << SPICE_DISPLAY_CAP_MONITORS_CONFIG) | (1u << SPICE_DISPLAY_CAP_PREF_COMPRESSION) });
    return {};
}

void SpiceServer::accept_connections()
{
    for (;;) {
        auto accepted = m_listener->accept();
        if (!accepted) {
            m_refusals.warn(accepted.error().message);
            m_loop.unwatch(m_listener->fd());
            auto timer = m_loop.add_timer(kAcceptRetryDelay, [this] {
                m_accept_retry_timer.reset();
                resume_accepting();
            });
            if (timer)
                m_accept_retry_timer = *timer;
            else
                resume_accepting();
            return;
        }
        int fd = *accepted;
        if (fd < 0)
            return;
        if (auto added = add_connection(fd); !added)
            m_refusals.warn(added.error().message);
    }
}

void SpiceServer::resume_accepting()
{
    if (auto watched = m_loop.watch(m_listener->fd(), [this] { accept_connections(); }); !watched)
        LOG_ERROR("spice", "the listener cannot be watched again, no new clients: %s", watched.error().message.c_str());
}

Result<void> SpiceServer::add_connection(int fd)
{
    if (connection_count() >= m_config.max_connections) {
        ::close(fd);
        return Error { "a connection was refused: " + std::to_string(connection_count()) + " are open (max-connections="
            + std::to_string(m_config.max_connections) + ")" };
    }
    if (m_links.size() >= links_in_progress_limit(m_config.max_connections)) {
        ::close(fd);
        return Error { "a connection was refused: " + std::to_string(m_links.size()) + " links are in progress (at most "
            + std::to_string(links_in_progress_limit(m_config.max_connections)) + ")" };
    }
    PendingLink link { std::make_unique<SocketStream>(fd),
        std::make_unique<LinkHandshake>(m_key, m_config.password, static_cast<LinkPolicy&>(*this)), std::nullopt };
    if (auto watched = m_loop.watch(fd, [this, fd] { on_ready(fd); }); !watched)
        return wrap_error("cannot watch a new connection", watched.error());
    auto timer = m_loop.add_timer(kLinkTimeout, [this, fd] { link_timed_out(fd); });
    if (!timer) {
        m_loop.unwatch(fd);
        return wrap_error("cannot time a new connection's link", timer.error());
    }
    link.timeout_timer = *timer;
    m_links.emplace(fd, std::move(link));
    return {};
}

void SpiceServer::on_ready(int fd)
{
    if (m_links.contains(fd))
        advance_link(fd);
    else if (m_clients.contains(fd))
        serve(fd);
}

void SpiceServer::advance_link(int fd)
{
    auto& link = m_links.at(fd);
    auto received = link.stream->receive(kLinkInputLimit);
    if (!received) {
        // Closing before saying anything is a port probe; closing in the middle of a link is a broken client.
        bool started = link.handshake->state() != LinkHandshake::State::ReadingHeader || !link.stream->input().empty();
        if (started)
            LOG_WARN("spice", "a connection closed in the middle of its link: %s", received.error().message.c_str());
        else
            LOG_INFO("spice", "a connection closed before its link: %s", received.error().message.c_str());
        close_link(fd);
        return;
    }
    std::vector<uint8_t> output;
    auto state = link.handshake->feed(link.stream->input(), output);
    link.stream->send(std::move(output));
    auto flushed = link.stream->flush();
    if (state == LinkHandshake::State::Refused) {
        auto& refusal = *link.handshake->refusal();
        LOG_WARN("spice", "link refused (error %d): %s", int(refusal.code), refusal.reason.c_str());
        close_link(fd);
        return;
    }
    if (!flushed) {
        LOG_INFO("spice", "a connection failed during its link: %s", flushed.error().message.c_str());
        close_link(fd);
        return;
    }
    if (state == LinkHandshake::State::Linked) {
        auto linked = std::move(link);
        m_links.erase(fd);
        if (linked.timeout_timer)
            m_loop.cancel_timer(*linked.timeout_timer);
        start_channel(fd, std::move(linked));
    }
}

uint32_t SpiceServer::new_session_id()
{
    static std::mt19937 generator { std::random_device {}() };
    for (;;) {
        uint32_t id = generator();
        if (id != 0 && !session_exists(id))
            return id;
    }
}

std::unique_ptr<ChannelClient> SpiceServer::make_channel(std::unique_ptr<SocketStream> stream, const LinkRequest& request)
{
    switch (request.channel_type) {
    case SPICE_CHANNEL_MAIN: {
        std::vector<ChannelAddress> channels;
        if (m_screen_source)
            channels.push_back({ SPICE_CHANNEL_DISPLAY, 0 });
        channels.push_back({ SPICE_CHANNEL_INPUTS, 0 });
        channels.push_back({ SPICE_CHANNEL_CURSOR, 0 });
        return std::make_unique<MainChannelClient>(std::move(stream), request, new_session_id(), std::move(channels), m_epoch, m_mouse_mode);
    }
    case SPICE_CHANNEL_DISPLAY:
        return std::make_unique<DisplayChannelClient>(std::move(stream), request, m_display);
    case SPICE_CHANNEL_INPUTS:
        return std::make_unique<InputsChannelClient>(std::move(stream), request, m_input, m_mouse_mode,
            [this] { return std::pair(m_display.screen.width, m_display.screen.height); });
    default:
        return std::make_unique<CursorChannelClient>(std::move(stream), request, m_cursor, m_mouse_mode);
    }
}

void SpiceServer::start_channel(int fd, PendingLink link)
{
    auto request = link.handshake->request();
    auto client = make_channel(std::move(link.stream), request);
    if (request.channel_type != SPICE_CHANNEL_MAIN)
        client->set_session_id(request.connection_id);
    LOG_INFO("spice", "%s channel linked (session %08x)", client->name(), client->session_id());
    auto& placed = *m_clients.emplace(fd, std::move(client)).first->second;
    if (auto started = placed.start(); !started) {
        disconnect(fd, started.error().message);
        return;
    }
    if (request.channel_type == SPICE_CHANNEL_DISPLAY && !m_poll_timer) {
        // The first display client: bring the screen up to date now rather than at the next tick.
        poll_screen();
        if (!m_clients.contains(fd))
            return;
    }
    serve(fd);
}

void SpiceServer::serve(int fd)
{
    auto& client = *m_clients.at(fd);
    if (auto served = client.on_ready(); !served) {
        disconnect(fd, served.error().message);
        return;
    }
    after_io(client);
}

// Asks for writability only while output is queued (level-triggered epoll would otherwise spin).
void SpiceServer::after_io(ChannelClient& client)
{
    bool wanted = client.pending_output() > 0;
    auto& current = m_write_interest[client.fd()];
    if (current == wanted)
        return;
    if (auto set = m_loop.set_write_interest(client.fd(), wanted); !set) {
        LOG_WARN("spice", "%s", set.error().message.c_str());
        return;
    }
    current = wanted;
}

void SpiceServer::disconnect(int fd, const std::string& why, bool client_at_fault)
{
    auto found = m_clients.find(fd);
    if (found == m_clients.end())
        return;
    auto client = std::move(found->second);
    m_clients.erase(found);
    m_write_interest.erase(fd);
    m_loop.unwatch(fd);
    if (!client_at_fault || client->closed_cleanly())
        LOG_INFO("spice", "%s channel of session %08x: %s", client->name(), client->session_id(), why.c_str());
    else
        LOG_WARN("spice", "%s channel of session %08x disconnected: %s", client->name(), client->session_id(), why.c_str());
    if (client->link().channel_type != SPICE_CHANNEL_MAIN)
        return;
    // A session ends with its main channel.
    std::vector<int> others;
    for (auto& [other_fd, other] : m_clients) {
        if (other->session_id() == client->session_id())
            others.push_back(other_fd);
    }
    for (int other_fd : others)
        disconnect(other_fd, "its session's main channel closed", false);
}

void SpiceServer::link_timed_out(int fd)
{
    auto found = m_links.find(fd);
    if (found == m_links.end())
        return;
    // The timer has fired: there is nothing left to cancel.
    found->second.timeout_timer.reset();
    LOG_WARN("spice", "a connection did not complete its link within %lld s and was closed",
        static_cast<long long>(kLinkTimeout.count()));
    close_link(fd);
}

void SpiceServer::close_link(int fd)
{
    auto found = m_links.find(fd);
    if (found == m_links.end())
        return;
    if (found->second.timeout_timer)
        m_loop.cancel_timer(*found->second.timeout_timer);
    m_loop.unwatch(fd);
    m_links.erase(found);
}

bool SpiceServer::has_display_clients() const
{
    for (auto& [fd, client] : m_clients) {
        if (client->link().channel_type == SPICE_CHANNEL_DISPLAY)
            return true;
    }
    return false;
}

void SpiceServer::schedule_screen_poll()
{
    if (m_poll_timer || !has_display_clients())
        return;
    auto timer = m_loop.add_timer(kScreenPollInterval, [this] {
        m_poll_timer.reset();
        poll_screen();
    });
    if (!timer) {
        LOG_WARN("spice", "cannot schedule a screen update: %s", timer.error().message.c_str());
        return;
    }
    m_poll_timer = *timer;
}

void SpiceServer::poll_screen()
{
    if (!m_screen_source)
        return;
    auto& screen = m_display.screen;
    auto old_width = screen.width;
    auto old_height = screen.height;
    auto changed = m_screen_source->update_screen(screen);
    bool resized = screen.width != old_width || screen.height != old_height;
    if (resized)
        LOG_INFO("spice", "screen is now %ux%u", screen.width, screen.height);
    std::vector<int> failed;
    std::vector<std::string> reasons;
    for (auto& [fd, client] : m_clients) {
        auto* display = dynamic_cast<DisplayChannelClient*>(client.get());
        if (!display)
            continue;
        if (resized)
            display->screen_resized();
        else if (!changed.empty())
            display->screen_updated(changed);
        if (auto pumped = display->pump(); !pumped) {
            failed.push_back(fd);
            reasons.push_back(pumped.error().message);
            continue;
        }
        after_io(*display);
    }
    for (size_t i = 0; i < failed.size(); ++i)
        disconnect(failed[i], reasons[i]);
    schedule_screen_poll();
}

} // namespace spicebox

namespace spicebox {

// Queued now, sent from a timer: the change may come from inside a client's message handler, where that
// client must not be disconnected under its own feet.
void SpiceServer::announce_mouse_mode(uint16_t supported, uint16_t current)
{
    for (auto& [fd, client] : m_clients) {
        if (auto* main = dynamic_cast<MainChannelClient*>(client.get()))
            main->send_mouse_mode(supported, current);
    }
    if (m_main_flush_timer)
        return;
    auto timer = m_loop.add_timer(std::chrono::nanoseconds(0), [this] {
        m_main_flush_timer.reset();
        flush_main_channels();
    });
    if (!timer) {
        LOG_WARN("spice", "cannot schedule the mouse mode messages: %s", timer.error().message.c_str());
        return;
    }
    m_main_flush_timer = *timer;
}

void SpiceServer::flush_main_channels()
{
    std::vector<std::pair<int, std::string>> failed;
    for (auto& [fd, client] : m_clients) {
        if (client->link().channel_type != SPICE_CHANNEL_MAIN)
            continue;
        if (auto pumped = client->pump(); !pumped) {
            failed.emplace_back(fd, pumped.error().message);
            continue;
        }
        after_io(*client);
    }
    for (auto& [fd, why] : failed)
        disconnect(fd, why);
}

Result<void> SpiceServer::attach_commands(CommandStream& commands)
{
    TRY(m_loop.watch(commands.event_fd(), [this] { drain_commands(); }));
    commands.set_posting(true);
    m_display.commands = &commands;
    for (auto& surface : commands.snapshot().surfaces) {
        if (surface.info.primary)
            m_display.command_primary = surface.info.id;
    }
    m_display.command_mode = m_display.command_primary.has_value();
    return {};
}

// Hands the command stream's events to every display client, switching them between the framebuffer and
// the commands as the driver creates and destroys its primary surface.
void SpiceServer::drain_commands()
{
    auto batch = m_display.commands->take_events();
    auto for_each_display = [this](auto&& action) {
        for (auto& [fd, client] : m_clients) {
            if (auto* display = dynamic_cast<DisplayChannelClient*>(client.get()))
                action(*display);
        }
    };
    for (auto& event : batch.events) {
        bool was_command_mode = m_display.command_mode;
        if (auto* created = std::get_if<SurfaceInfo>(&event.what); created && created->primary)
            m_display.command_primary = created->id;
        if (auto* destroyed = std::get_if<SurfaceDestroyed>(&event.what); destroyed && destroyed->id == m_display.command_primary)
            m_display.command_primary.reset();
        m_display.command_mode = m_display.command_primary.has_value();
        if (m_display.command_mode != was_command_mode) {
            LOG_INFO("spice", "display: %s", m_display.command_mode ? "the driver's draw commands" : "the framebuffer");
            for_each_display([](DisplayChannelClient& display) { display.mode_changed(); });
            continue;
        }
        for_each_display([&](DisplayChannelClient& display) { display.display_event(event); });
    }
    if (batch.overflowed)
        for_each_display([](DisplayChannelClient& display) { display.resynchronise(); });
    pump_display_clients();
}

void SpiceServer::pump_display_clients()
{
    std::vector<std::pair<int, std::string>> failed;
    for (auto& [fd, client] : m_clients) {
        auto* display = dynamic_cast<DisplayChannelClient*>(client.get());
        if (!display)
            continue;
        if (auto pumped = display->pump(); !pumped) {
            failed.emplace_back(fd, pumped.error().message);
            continue;
        }
        after_io(*display);
    }
    for (auto& [fd, why] : failed)
        disconnect(fd, why);
}

} // namespace spicebox

namespace spicebox {

Result<void> SpiceServer::attach_cursor(CursorStream& cursors)
{
    TRY(m_loop.watch(cursors.event_fd(), [this] { drain_cursor(); }));
    m_cursor_stream = &cursors;
    m_cursor = cursors.state();
    return {};
}

// Hands the guest's cursor commands to every cursor client. The stream's state may already include
// commands of the next batch; applying them twice is harmless, as each only sets state.
void SpiceServer::drain_cursor()
{
    auto batch = m_cursor_stream->take();
    m_cursor = m_cursor_stream->state();
    std::vector<std::pair<int, std::string>> failed;
    for (auto& [fd, client] : m_clients) {
        auto* cursor = dynamic_cast<CursorChannelClient*>(client.get());
        if (!cursor)
            continue;
        if (batch.overflowed) {
            cursor->resynchronise();
        } else {
            for (auto& command : batch.commands)
                cursor->cursor_command(command);
        }
        if (auto pumped = cursor->pump(); !pumped) {
            failed.emplace_back(fd, pumped.error().message);
            continue;
        }
        after_io(*cursor);
    }
    for (auto& [fd, why] : failed)
        disconnect(fd, why);
}

} // namespace spicebox
