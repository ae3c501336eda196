#include "spice-server/socket_stream.h"

#include <doctest/doctest.h>

#include <sys/socket.h>
#include <unistd.h>

using namespace spicebox;

TEST_CASE("socket stream: a peer that went away while output was queued is an orderly close, not a failure")
{
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    SocketStream stream(fds[0]);
    close(fds[1]);
    stream.send(std::vector<uint8_t>(4096, 0x5A));
    auto flushed = stream.flush();
    CHECK(!flushed.ok());
    CHECK(stream.peer_closed());
}

TEST_CASE("socket stream: queued output goes out in order and reads stop at the limit")
{
    int fds[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    SocketStream stream(fds[0]);
    stream.send({ 1, 2, 3 });
    stream.send({ 4 });
    CHECK(stream.pending_output() == 4);
    REQUIRE(stream.flush().ok());
    CHECK(stream.pending_output() == 0);
    uint8_t received[8] {};
    CHECK(read(fds[1], received, sizeof received) == 4);
    CHECK(received[0] == 1);
    CHECK(received[3] == 4);
    uint8_t reply[6] { 9, 8, 7, 6, 5, 4 };
    REQUIRE(write(fds[1], reply, sizeof reply) == 6);
    auto status = stream.receive(4);
    REQUIRE(status.ok());
    CHECK(*status == SocketStream::ReadStatus::Progress);
    CHECK(stream.input() == std::vector<uint8_t> { 9, 8, 7, 6 });
    CHECK(!stream.peer_closed());
    close(fds[1]);
}
