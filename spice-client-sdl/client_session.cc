#include "spice-client-sdl/client_session.h"

#include "base/log.h"
#include "spice-client-sdl/channel_connection.h"
#include "spice-client-sdl/client_cursor.h"
#include "spice-client-sdl/client_display.h"
#include "spice-client-sdl/client_inputs.h"
#include "spice-client-sdl/client_link.h"
#include "spice-client-sdl/client_main.h"

#include <spice/enums.h>
#include <spice/protocol.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netdb.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace spicebox {

namespace {

// A session adopted without options links its channels within this.
constexpr std::chrono::milliseconds kDefaultLinkTimeout { 10000 };

Result<int> open_socket(const ClientOptions& options)
{
    auto milliseconds = options.connect_timeout.count();
    timeval timeout { long(milliseconds / 1000), long(milliseconds % 1000) * 1000 };
    if (options.unix_path) {
        sockaddr_un address {};
        address.sun_family = AF_UNIX;
        if (options.unix_path->size() >= sizeof address.sun_path)
            return Error { "socket path too long: " + *options.unix_path };
        std::memcpy(address.sun_path, options.unix_path->c_str(), options.unix_path->size() + 1);
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return Error { std::string("socket: ") + std::strerror(errno) };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0) {
            int error = errno;
            ::close(fd);
            return Error { "cannot connect to " + *options.unix_path + ": " + std::strerror(error) };
        }
        return fd;
    }
    addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    auto port = std::to_string(options.port);
    if (int status = getaddrinfo(options.host.c_str(), port.c_str(), &hints, &found); status != 0)
        return Error { "cannot resolve " + options.host + ": " + gai_strerror(status) };
    std::string problem = "no address";
    int fd = -1;
    for (auto* entry = found; entry; entry = entry->ai_next) {
        fd = ::socket(entry->ai_family, entry->ai_socktype | SOCK_CLOEXEC, entry->ai_protocol);
        if (fd < 0) {
            problem = std::strerror(errno);
            continue;
        }
        // connect() gives up after SO_SNDTIMEO on Linux, so an unreachable host cannot hang us.
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        if (::connect(fd, entry->ai_addr, entry->ai_addrlen) == 0)
            break;
        problem = std::strerror(errno);
        ::close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    if (fd < 0)
        return Error { "cannot connect to " + options.host + ":" + port + ": " + problem };
    return fd;
}

std::string describe_uri(const ClientOptions& options)
{
    if (options.unix_path)
        return "spice+unix://" + *options.unix_path;
    return "spice://" + options.host + ":" + std::to_string(options.port);
}

Result<void> set_non_blocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
        return Error { std::string("fcntl: ") + std::strerror(errno) };
    return {};
}

} // namespace

// Everything the session is: the channels, what the main channel told us, and the display, cursor
// and inputs state. One thread drives it through pump().
class ClientChannels {
public:
    ClientChannels(std::string uri, std::optional<std::string> password, ChannelConnector connector, std::chrono::milliseconds link_timeout,
        bool offer_lz4 = true, std::optional<SpiceImageCompression> preferred_compression = std::nullopt)
        : m_uri(std::move(uri))
        , m_password(std::move(password))
        , m_connector(std::move(connector))
        , m_link_timeout(link_timeout)
        , m_offer_lz4(offer_lz4)
        , m_preferred_compression(preferred_compression)
    {
    }
    ~ClientChannels()
    {
        if (m_epoll >= 0)
            ::close(m_epoll);
    }

    Result<void> start(int main_fd)
    {
        m_epoll = epoll_create1(EPOLL_CLOEXEC);
        if (m_epoll < 0) {
            ::close(main_fd);
            return Error { std::string("epoll_create1: ") + std::strerror(errno) };
        }
        m_main = TRY(link_channel(main_fd, SPICE_CHANNEL_MAIN, 0, ClientMain::channel_caps()));
        m_main_state = std::make_unique<ClientMain>(*m_main, m_display_state, [this](uint8_t type, uint8_t id) { return open_channel(type, id); });
        return {};
    }

    Result<void> pump(std::chrono::milliseconds timeout)
    {
        TRY(flush_all());
        // A video frame waiting for its time shortens the wait.
        if (auto due = m_display_state.next_frame_due()) {
            auto until = std::chrono::ceil<std::chrono::milliseconds>(*due - std::chrono::steady_clock::now());
            timeout = std::clamp(until, std::chrono::milliseconds(0), timeout);
        }
        epoll_event events[8];
        int ready = epoll_wait(m_epoll, events, 8, int(timeout.count()));
        if (ready < 0 && errno != EINTR)
            return Error { std::string("epoll_wait: ") + std::strerror(errno) };
        // Level-triggered and cheap when idle: every channel is read, whichever woke us.
        TRY(service(m_main.get(), [&](const ChannelMessage& message) { return m_main_state->handle(message); }));
        TRY(service(m_display.get(), [&](const ChannelMessage& message) { return m_display_state.handle(message); }));
        TRY(service(m_cursor.get(), [&](const ChannelMessage& message) { return m_cursor_state.handle(message); }));
        TRY(service(m_inputs.get(), [&](const ChannelMessage& message) { return m_inputs_state.handle(message); }));
        TRY(m_display_state.present_due_frames());
        m_display_state.refresh_screen();
        return flush_all();
    }

    int wait_fd() const { return m_epoll; }
    const ClientDisplay& display() const { return m_display_state; }
    const ClientCursor& cursor() const { return m_cursor_state; }
    ClientInputs& inputs() { return m_inputs_state; }
    bool client_mouse_mode() const { return m_main_state->client_mouse_mode(); }
    void request_mouse_mode(bool client) { m_main_state->request_mouse_mode(client); }

    std::string title() const
    {
        if (!m_main_state->name().empty())
            return m_main_state->name();
        return m_uri;
    }

private:

    // `server_caps`, when given, receives the server's capabilities for the channel.
    Result<std::unique_ptr<ChannelConnection>> link_channel(int fd, uint8_t type, uint8_t id, std::vector<uint32_t> caps,
        std::vector<uint32_t>* server_caps = nullptr)
    {
        uint32_t session_id = m_main_state ? m_main_state->session_id() : 0;
        auto linked = perform_link(fd, ClientLinkRequest { session_id, type, id, std::move(caps), m_password }, m_link_timeout);
        if (!linked) {
            ::close(fd);
            return linked.error();
        }
        TRY(set_non_blocking(fd));
        if (server_caps)
            *server_caps = linked->channel_caps;
        auto channel = std::make_unique<ChannelConnection>(fd, type, linked->mini_header);
        epoll_event event {};
        event.events = EPOLLIN;
        event.data.fd = fd;
        if (epoll_ctl(m_epoll, EPOLL_CTL_ADD, fd, &event) < 0)
            return Error { std::string("epoll_ctl: ") + std::strerror(errno) };
        return channel;
    }

    template<typename Handler>
    Result<void> service(ChannelConnection* channel, Handler handler)
    {
        if (!channel)
            return {};
        TRY(channel->receive());
        for (;;) {
            auto message = TRY(channel->next_message());
            if (!message)
                return {};
            LOG_DEBUG("spice-client", "%s: message %u, %zu bytes", channel->name().c_str(), message->type, message->body.size());
            auto handled = handler(*message);
            if (!handled)
                return wrap_error(channel->name() + ": message " + std::to_string(message->type), handled.error());
        }
    }

    Result<void> flush_all()
    {
        for (auto* channel : { m_main.get(), m_display.get(), m_cursor.get(), m_inputs.get() }) {
            if (!channel)
                continue;
            TRY(channel->flush());
            epoll_event event {};
            event.events = uint32_t(EPOLLIN) | (channel->wants_write() ? uint32_t(EPOLLOUT) : 0u);
            event.data.fd = channel->fd();
            epoll_ctl(m_epoll, EPOLL_CTL_MOD, channel->fd(), &event);
        }
        return {};
    }

    Result<void> open_channel(uint8_t type, uint8_t id)
    {
        bool wanted = (type == SPICE_CHANNEL_DISPLAY && id == 0 && !m_display) || (type == SPICE_CHANNEL_CURSOR && id == 0 && !m_cursor)
            || (type == SPICE_CHANNEL_INPUTS && id == 0 && !m_inputs);
        if (!wanted)
            return {};
        if (!m_connector)
            return Error { "no way to open further channels to this server" };
        auto fd = TRY(m_connector());
        auto caps = type == SPICE_CHANNEL_DISPLAY ? ClientDisplay::channel_caps(m_offer_lz4) : std::vector<uint32_t> {};
        std::vector<uint32_t> server_caps;
        auto channel = link_channel(fd, type, id, caps, &server_caps);
        if (!channel) {
            if (type == SPICE_CHANNEL_DISPLAY)
                return wrap_error("display channel", channel.error());
            LOG_WARN("spice-client", "channel %u: %s; going on without it", type, channel.error().message.c_str());
            return {};
        }
        switch (type) {
        case SPICE_CHANNEL_DISPLAY:
            m_display = std::move(*channel);
            m_display->send(SPICE_MSGC_DISPLAY_INIT, ClientDisplay::init_message());
            if (m_preferred_compression) {
                if (auto body = ClientDisplay::preferred_compression_message(server_caps, *m_preferred_compression))
                    m_display->send(SPICE_MSGC_DISPLAY_PREFERRED_COMPRESSION, *body);
                else
                    LOG_WARN("spice-client", "the server does not take a preferred compression; it chooses its own");
            }
            break;
        case SPICE_CHANNEL_CURSOR:
            m_cursor = std::move(*channel);
            break;
        case SPICE_CHANNEL_INPUTS:
            m_inputs = std::move(*channel);
            m_inputs_state.attach(m_inputs.get());
            break;
        }
        return {};
    }

    std::string m_uri;
    std::optional<std::string> m_password;
    ChannelConnector m_connector;
    std::chrono::milliseconds m_link_timeout;
    bool m_offer_lz4;
    std::optional<SpiceImageCompression> m_preferred_compression;
    int m_epoll { -1 };
    std::unique_ptr<ChannelConnection> m_main;
    std::unique_ptr<ChannelConnection> m_display;
    std::unique_ptr<ChannelConnection> m_cursor;
    std::unique_ptr<ChannelConnection> m_inputs;
    ClientDisplay m_display_state;
    ClientCursor m_cursor_state;
    ClientInputs m_inputs_state;
    std::unique_ptr<ClientMain> m_main_state;
};

ClientSession::ClientSession(std::unique_ptr<ClientChannels> channels)
    : m_channels(std::move(channels))
{
}

ClientSession::~ClientSession() = default;

Result<std::unique_ptr<ClientSession>> ClientSession::connect(const ClientOptions& options)
{
    auto fd = TRY(open_socket(options));
    auto channels = std::make_unique<ClientChannels>(describe_uri(options), options.password, [options] { return open_socket(options); },
        options.connect_timeout, options.offer_lz4, options.preferred_compression);
    TRY(channels->start(fd));
    return std::unique_ptr<ClientSession>(new ClientSession(std::move(channels)));
}

Result<std::unique_ptr<ClientSession>> ClientSession::adopt(int connected_fd, std::optional<std::string> password, ChannelConnector connector)
{
    auto channels = std::make_unique<ClientChannels>("spicebox", std::move(password), std::move(connector), kDefaultLinkTimeout);
    TRY(channels->start(connected_fd));
    return std::unique_ptr<ClientSession>(new ClientSession(std::move(channels)));
}

Result<void> ClientSession::pump(std::chrono::milliseconds timeout) { return m_channels->pump(timeout); }
int ClientSession::wait_fd() const { return m_channels->wait_fd(); }
const Framebuffer& ClientSession::screen() const { return m_channels->display().screen(); }
uint64_t ClientSession::screen_generation() const { return m_channels->display().generation(); }
uint64_t ClientSession::screen_major_generation() const { return m_channels->display().major_generation(); }
bool ClientSession::frame_complete() const { return m_channels->display().frame_complete(); }
bool ClientSession::primary_drawn() const { return m_channels->display().primary_drawn(); }
bool ClientSession::video_frames_waiting() const { return m_channels->display().pending_frames() > 0; }
const ClientSession::Cursor& ClientSession::cursor() const { return m_channels->cursor().cursor(); }
bool ClientSession::client_mouse_mode() const { return m_channels->client_mouse_mode(); }
void ClientSession::request_client_mouse_mode(bool client) { m_channels->request_mouse_mode(client); }
void ClientSession::send_key(uint32_t pc_scancode, bool down) { m_channels->inputs().send_key(pc_scancode, down); }

void ClientSession::send_mouse_motion(int32_t dx, int32_t dy, uint32_t buttons_state)
{
    m_channels->inputs().send_motion(dx, dy, buttons_state);
}

void ClientSession::send_mouse_position(int32_t x, int32_t y, uint32_t buttons_state)
{
    m_channels->inputs().send_position(x, y, buttons_state);
}

void ClientSession::send_mouse_button(uint8_t spice_button, bool down, uint32_t buttons_state)
{
    m_channels->inputs().send_button(spice_button, down, buttons_state);
}

std::string ClientSession::title() const { return m_channels->title(); }

} // namespace spicebox
