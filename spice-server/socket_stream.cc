#include "spice-server/socket_stream.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace spicebox {

namespace {

constexpr size_t kReadChunk = 64 * 1024;

}

SocketStream::SocketStream(int fd) : m_fd(fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

SocketStream::~SocketStream()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

Result<SocketStream::ReadStatus> SocketStream::receive(size_t limit)
{
    while (m_input.size() < limit) {
        size_t before = m_input.size();
        size_t chunk = std::min(kReadChunk, limit - before);
        m_input.resize(before + chunk);
        ssize_t count = ::recv(m_fd, m_input.data() + before, chunk, 0);
        m_input.resize(before + size_t(std::max<ssize_t>(count, 0)));
        if (count > 0)
            continue;
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return ReadStatus::WouldBlock;
        if (count == 0 || errno == ECONNRESET) {
            m_peer_closed = true;
            return Error { "the client closed the connection" };
        }
        return Error { std::string("read failed: ") + std::strerror(errno) };
    }
    return ReadStatus::Progress;
}

void SocketStream::consume(size_t count)
{
    m_input.erase(m_input.begin(), m_input.begin() + ptrdiff_t(std::min(count, m_input.size())));
}

void SocketStream::send(std::vector<uint8_t> bytes)
{
    if (bytes.empty())
        return;
    m_pending_bytes += bytes.size();
    m_output.push_back(std::move(bytes));
}

Result<void> SocketStream::flush()
{
    while (!m_output.empty()) {
        auto& front = m_output.front();
        ssize_t count = ::send(m_fd, front.data() + m_front_offset, front.size() - m_front_offset, MSG_NOSIGNAL);
        if (count < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return {};
            // A viewer that quits while updates are on their way resets the connection: an orderly end too.
            if (errno == ECONNRESET || errno == EPIPE) {
                m_peer_closed = true;
                return Error { "the client closed the connection" };
            }
            return Error { std::string("write failed: ") + std::strerror(errno) };
        }
        m_front_offset += size_t(count);
        m_pending_bytes -= size_t(count);
        m_bytes_sent += uint64_t(count);
        if (m_front_offset == front.size()) {
            m_output.pop_front();
            m_front_offset = 0;
        }
    }
    return {};
}

} // namespace spicebox
