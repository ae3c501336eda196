// What every channel fuzzer does: a linked channel client over a socketpair, the input written from the
// client's end as what a client sends after the link (in one or two reads, with mini or full headers),
// the server side handling it until it disconnects the client or runs out of input, and the client's
// end drained so the server's output never stalls on a full socket.
#pragma once

#include "base/log.h"
#include "spice-server/channel_client.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/fuzz_programs.h"

#include <spice/enums.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <memory>

namespace spicebox::fuzz {

// Writes what the socket takes (inputs beyond its buffer are cut short, never waited for).
inline void write_all(int fd, std::span<const uint8_t> bytes)
{
    while (!bytes.empty()) {
        ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written <= 0)
            return;
        bytes = bytes.subspan(size_t(written));
    }
}

inline void drain(int fd)
{
    uint8_t buffer[65536];
    while (::read(fd, buffer, sizeof buffer) > 0) { }
}

using MakeChannel = std::function<std::unique_ptr<ChannelClient>(std::unique_ptr<SocketStream>, LinkRequest)>;

// `between` runs after the first read (e.g. the screen changes under a display client).
inline void run_channel(const uint8_t* data, size_t size, uint8_t channel_type, const MakeChannel& make,
    const std::function<void(ChannelClient&)>& between = {})
{
    FuzzInput input(data, size);
    uint8_t flags = input.u8();
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        __builtin_trap();
    int client_fd = fds[1];
    fcntl(client_fd, F_SETFL, O_NONBLOCK);
    LinkRequest link;
    link.channel_type = channel_type;
    if (flags & MiniHeader)
        link.common_caps.set(SPICE_COMMON_CAP_MINI_HEADER);
    auto client = make(std::make_unique<SocketStream>(fds[0]), link);

    auto messages = input.rest();
    size_t first = (flags & SplitInput) ? messages.size() / 2 : messages.size();
    bool connected = bool(client->start());
    if (connected) {
        write_all(client_fd, messages.first(first));
        connected = bool(client->on_ready());
    }
    if (connected && first < messages.size()) {
        if (between)
            between(*client);
        drain(client_fd);
        write_all(client_fd, messages.subspan(first));
        connected = bool(client->on_ready());
    }
    if (connected) {
        ::shutdown(client_fd, SHUT_WR);
        (void)client->on_ready();
    }
    client.reset();
    ::close(client_fd);
}

} // namespace spicebox::fuzz
