// One client connection's non-blocking socket with its buffers: what arrived and has not been parsed
// yet, and what is queued to go out. Reads stop at a limit so a client cannot make the server buffer
// without bound; what is queued to send is bounded by the channels that queue it (they look at
// pending_output() before producing more).
#pragma once

#include "base/result.h"

#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace spicebox {

class SocketStream {
public:
    // Takes ownership of `fd` and makes it non-blocking.
    explicit SocketStream(int fd);
    ~SocketStream();
    SocketStream(const SocketStream&) = delete;
    SocketStream& operator=(const SocketStream&) = delete;

    int fd() const { return m_fd; }

    enum class ReadStatus { Progress, WouldBlock };
    // Reads what the socket has until `input()` holds `limit` bytes or it would block. An Error when
    // the peer closed the connection or it failed.
    Result<ReadStatus> receive(size_t limit);
    std::vector<uint8_t>& input() { return m_input; }
    // True once the peer closed or reset the connection (an orderly end, not a protocol error).
    bool peer_closed() const { return m_peer_closed; }
    void consume(size_t count);

    void send(std::vector<uint8_t> bytes);
    // Writes as much as the socket takes now.
    Result<void> flush();
    size_t pending_output() const { return m_pending_bytes; }
    // The messages those bytes are in (each one an allocation).
    size_t pending_messages() const { return m_output.size(); }
    uint64_t bytes_sent() const { return m_bytes_sent; }

private:
    int m_fd;
    std::vector<uint8_t> m_input;
    std::deque<std::vector<uint8_t>> m_output;
    size_t m_front_offset { 0 };
    size_t m_pending_bytes { 0 };
    uint64_t m_bytes_sent { 0 };
    bool m_peer_closed { false };
};

} // namespace spicebox
