#include "spice-server/listener.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace spicebox {

namespace {

constexpr int kBacklog = 16;
// Descriptors kept for everything else the process opens (KVM, eventfds, files, the SDL window).
constexpr rlim_t kDescriptorHeadroom = 256;

std::string errno_text() { return std::strerror(errno); }

}

Listener::Listener(int fd, std::string uri, std::string unix_path)
    : m_fd(fd)
    , m_uri(std::move(uri))
    , m_unix_path(std::move(unix_path))
{
}

Listener::Listener(Listener&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1))
    , m_uri(std::move(other.m_uri))
    , m_unix_path(std::exchange(other.m_unix_path, {}))
{
}

Listener::~Listener()
{
    if (m_fd < 0)
        return;
    ::close(m_fd);
    if (!m_unix_path.empty())
        ::unlink(m_unix_path.c_str());
}

Result<Listener> Listener::tcp(const std::string& address, uint16_t port)
{
    addrinfo hints {};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    auto service = std::to_string(port);
    if (int status = getaddrinfo(address.c_str(), service.c_str(), &hints, &found); status != 0)
        return Error { "cannot listen on " + address + ": " + gai_strerror(status) };
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, freeaddrinfo);

    int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return Error { "cannot create a socket: " + errno_text() };
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    std::string shown = found->ai_family == AF_INET6 ? "[" + address + "]" : address;
    if (::bind(fd, found->ai_addr, found->ai_addrlen) < 0 || ::listen(fd, kBacklog) < 0) {
        auto error = Error { "cannot listen on " + shown + ":" + service + ": " + errno_text() };
        ::close(fd);
        return error;
    }
    sockaddr_storage bound {};
    socklen_t length = sizeof bound;
    getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
    uint16_t bound_port = bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                                      : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    return Listener(fd, "spice://" + shown + ":" + std::to_string(bound_port), "");
}

Result<Listener> Listener::unix_socket(const std::string& path)
{
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof address.sun_path)
        return Error { "unix socket path '" + path + "' is empty or longer than " + std::to_string(sizeof address.sun_path - 1) + " bytes" };
    std::memcpy(address.sun_path, path.data(), path.size());
    struct stat existing {};
    if (::lstat(path.c_str(), &existing) == 0) {
        if (!S_ISSOCK(existing.st_mode))
            return Error { "cannot listen on " + path + ": it exists and is not a socket" };
        ::unlink(path.c_str());
    }
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return Error { "cannot create a socket: " + errno_text() };
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 || ::listen(fd, kBacklog) < 0) {
        auto error = Error { "cannot listen on " + path + ": " + errno_text() };
        ::close(fd);
        return error;
    }
    return Listener(fd, "spice+unix://" + path, path);
}

Result<void> Listener::reserve_descriptors(size_t descriptors)
{
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return Error { "getrlimit(RLIMIT_NOFILE) failed: " + errno_text() };
    rlim_t needed = rlim_t(descriptors) + kDescriptorHeadroom;
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
        if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) {
            return Error { std::to_string(descriptors) + " descriptors for clients need a limit of " + std::to_string(needed)
                + " file descriptors, and RLIMIT_NOFILE allows " + std::to_string(limit.rlim_max) };
        }
        limit.rlim_cur = needed;
        if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
            return Error { "cannot raise RLIMIT_NOFILE to " + std::to_string(needed) + ": " + errno_text() };
    }
    return {};
}

Result<int> Listener::accept()
{
    for (;;) {
        int fd = ::accept4(m_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            int on = 1;
            // Small messages (acks, inputs) must not wait for Nagle; a unix socket just refuses the option.
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            return fd;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return -1;
        return Error { "accept failed: " + errno_text() };
    }
}

} // namespace spicebox
