// Bad clients. Before the link: while remote-viewer shows the animated demo guest, raw sockets send
// garbage, a wrong magic, a wrong version, a truncated link, a huge link size, and a link followed by
// silence; the viewer keeps receiving updates (its X screen keeps changing) and a new client still gets
// a picture. After the link: after_link_attacks' kinds, while a raw well-behaved session keeps its frame
// rate and types into the guest. Each bad client is cut off with one log line.
#include "tests/integration/kvm_requirement.h"
#include "tests/integration/run_process.h"
#include "tests/interop/after_link_attacks.h"
#include "tests/interop/background_session.h"
#include "tests/interop/raw_spice_client.h"
#include "tests/interop/remote_viewer.h"
#include "tests/interop/spicebox_process.h"
#include "tests/interop/tools.h"
#include "tests/support/ppm_reader.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <spice/enums.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <future>
#include <optional>

using namespace spicebox;
using namespace spicebox::test;

namespace {

// The server's link timeout is 10 s; a bad connection must be closed well within this.
constexpr auto kCutOffDeadline = std::chrono::seconds(20);
// SpiceLinkErr values (spice-protocol's enums.h).
constexpr uint32_t kLinkOk = 0;
constexpr uint32_t kLinkInvalidMagic = 2;
constexpr uint32_t kLinkInvalidData = 3;
constexpr uint32_t kLinkVersionMismatch = 4;
// The server's link reply: SpiceLinkHeader, then SpiceLinkReply (error word first, 178 bytes), then one caps word.
constexpr size_t kLinkHeaderBytes = 16;
constexpr size_t kLinkReplyBytes = 178;

void put_u32(std::vector<uint8_t>& out, uint32_t value)
{
    for (int shift = 0; shift < 32; shift += 8)
        out.push_back(uint8_t(value >> shift));
}

// SpiceLinkHeader: magic "REDQ", major, minor, size of what follows.
std::vector<uint8_t> link_header(const char magic[4], uint32_t major, uint32_t size)
{
    std::vector<uint8_t> out(magic, magic + 4);
    put_u32(out, major);
    put_u32(out, 2);
    put_u32(out, size);
    return out;
}

// A main channel link as spice-gtk 0.42 sends it (one common and one channel caps word).
std::vector<uint8_t> main_link()
{
    auto out = link_header("REDQ", 2, 26);
    put_u32(out, 0);                       // connection id
    out.insert(out.end(), { 1, 0 });       // channel type MAIN, id 0
    put_u32(out, 1);                       // common caps words
    put_u32(out, 1);                       // channel caps words
    put_u32(out, 18);                      // caps offset
    put_u32(out, 0x0D);                    // AUTH_SELECTION | AUTH_SPICE | MINI_HEADER
    put_u32(out, 0x0F);
    return out;
}

struct Attack {
    std::string name;
    std::vector<uint8_t> bytes;
    bool close_after_sending;
    std::string expected_log;            // the server's line about it
    std::optional<uint32_t> link_error;  // what the server's link reply says
};

struct Outcome {
    bool connected { false };
    bool cut_off { false }; // the server closed the connection
    std::vector<uint8_t> reply;
    std::chrono::milliseconds elapsed { 0 };
};

// Sends the attack's bytes, then reads until the server closes the connection (or the deadline passes).
Outcome run_attack(uint16_t port, const Attack& attack)
{
    Outcome outcome;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto start = std::chrono::steady_clock::now();
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        close(fd);
        return outcome;
    }
    outcome.connected = true;
    [[maybe_unused]] auto sent = send(fd, attack.bytes.data(), attack.bytes.size(), MSG_NOSIGNAL);
    if (attack.close_after_sending) {
        close(fd);
        outcome.cut_off = true;
        return outcome;
    }
    auto end = start + kCutOffDeadline;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        pollfd readable { fd, POLLIN, 0 };
        if (left.count() <= 0 || poll(&readable, 1, int(left.count())) <= 0)
            break;
        uint8_t buffer[4096];
        ssize_t count = recv(fd, buffer, sizeof buffer, 0);
        if (count <= 0) {
            outcome.cut_off = true;
            break;
        }
        outcome.reply.insert(outcome.reply.end(), buffer, buffer + count);
    }
    outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    close(fd);
    return outcome;
}

uint32_t u32_at(const std::vector<uint8_t>& bytes, size_t at)
{
    uint32_t value = 0;
    std::memcpy(&value, bytes.data() + at, sizeof value);
    return value;
}

size_t count_of(const std::string& text, const std::string& part)
{
    size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
        ++count;
    return count;
}

}

TEST_CASE("bad clients are cut off one by one while remote-viewer keeps receiving the demo guest" * doctest::test_suite(kNeedsKvm))
{
    require_tools({ kRemoteViewer, kXvfb, kXwd, kSpicyScreenshot });
    auto display = VirtualDisplay::start(1600, 1200, std::chrono::seconds(20));
    REQUIRE_MESSAGE(display.ok(), display.error_message());
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", "demo", "--append", "demo.seconds=0", "--spice", "port=0,disable-ticketing", "--timeout", "180" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    RemoteViewer viewer(**display, spicebox.port(), std::nullopt);
    auto moving = wait_for_motion(**display, std::chrono::milliseconds(300), std::chrono::seconds(30));
    REQUIRE_MESSAGE(moving.ok(), (moving.error_message() + "\nremote-viewer output:\n" + viewer.process().output()));
    MESSAGE(("remote-viewer showed the demo guest moving after " + std::to_string(moving->count()) + " ms"));

    auto full_link = main_link();
    std::vector<Attack> attacks {
        { "garbage (an HTTP request)", { 'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P', '/', '1', '.', '1', '\r', '\n', '\r', '\n' }, false,
            "link refused (error 2): bad link magic 0x20544547", kLinkInvalidMagic },
        { "a wrong magic", link_header("QDER", 2, 26), false, "link refused (error 2): bad link magic 0x52454451", kLinkInvalidMagic },
        { "a wrong major version", link_header("REDQ", 1, 26), false, "link refused (error 4): protocol version 1.2", kLinkVersionMismatch },
        { "a huge link size", link_header("REDQ", 2, 0xFFFFFFF0), false, "link refused (error 3): link message size 4294967280",
            kLinkInvalidData },
        { "a truncated link", std::vector<uint8_t>(full_link.begin(), full_link.end() - 12), true,
            "a connection closed in the middle of its link", std::nullopt },
        // The server answers the link, then waits for the ticket that never comes.
        { "a link, then silence", full_link, false, "a connection did not complete its link within 10 s", kLinkOk },
    };
    uint16_t port = uint16_t(std::stoi(spicebox.port()));
    std::vector<std::future<Outcome>> running;
    for (auto& attack : attacks)
        running.push_back(std::async(std::launch::async, [port, &attack] { return run_attack(port, attack); }));
    // The viewer keeps receiving while the attacks go on.
    auto during = wait_for_motion(**display, std::chrono::milliseconds(300), std::chrono::seconds(10));
    CHECK_MESSAGE(during.ok(), (during.ok() ? "" : during.error_message()));
    std::vector<Outcome> outcomes;
    for (auto& future : running)
        outcomes.push_back(future.get());

    // Each bad connection was closed by the server; those refused in the link got the protocol's error reply.
    for (size_t i = 0; i < attacks.size(); ++i) {
        INFO(attacks[i].name);
        CHECK(outcomes[i].connected);
        CHECK(outcomes[i].cut_off);
        if (!attacks[i].close_after_sending)
            MESSAGE((attacks[i].name + ": closed by the server after " + std::to_string(outcomes[i].elapsed.count()) + " ms"));
        if (attacks[i].link_error) {
            REQUIRE(outcomes[i].reply.size() >= kLinkHeaderBytes + sizeof(uint32_t));
            CHECK(u32_at(outcomes[i].reply, kLinkHeaderBytes) == *attacks[i].link_error);
            // A refusal is the reply alone; a link that was accepted also has the server's caps word.
            size_t expected_size = kLinkHeaderBytes + kLinkReplyBytes + (*attacks[i].link_error == kLinkOk ? sizeof(uint32_t) : 0);
            CHECK(outcomes[i].reply.size() == expected_size);
        }
    }

    // The guest and the viewer carry on, and a new client still gets the whole screen.
    auto after = wait_for_motion(**display, std::chrono::milliseconds(300), std::chrono::seconds(10));
    spicebox.poll_output(100);
    REQUIRE_MESSAGE(spicebox.running(), ("spicebox ended during the attacks (" + spicebox.end_description() + "); its log:\n" + spicebox.err() + "\nits output (tail):\n"
        + spicebox.out().substr(spicebox.out().size() > 2000 ? spicebox.out().size() - 2000 : 0)));
    CHECK_MESSAGE(after.ok(), (after.ok() ? "" : after.error_message()));
    CHECK(viewer.process().running());
    auto ppm = "/tmp/spicebox-interop-" + std::to_string(getpid()) + "-after-attacks.ppm";
    auto client = run_process({ kSpicyScreenshot, "-h", "127.0.0.1", "-p", spicebox.port(), "-o", ppm }, std::chrono::seconds(30));
    INFO(describe(client));
    CHECK(client.exit_code == 0);
    auto picture = read_ppm(ppm);
    std::remove(ppm.c_str());
    REQUIRE_MESSAGE(picture.ok(), picture.error_message());
    CHECK(picture->width == 1024);
    CHECK(picture->height == 768);

    viewer.process().stop();
    spicebox.stop();
    INFO(("spicebox stderr:\n" + spicebox.err()));
    for (auto& attack : attacks) {
        INFO(attack.name);
        CHECK(count_of(spicebox.err(), attack.expected_log) == 1);
    }
    // One line per bad client and nothing about the good ones.
    CHECK(count_of(spicebox.err(), "spicebox: spice: ") == attacks.size());
}

namespace {

constexpr const char* kPassword = "secret";
// Set-1 make code of the A key, which the demo guest reports on serial as "demo: key 1e".
constexpr uint8_t kKeyA = 0x1E;
// The display channel's ACK window is 20 messages: a client that never acknowledges gets at most twice
// that after SET_ACK (and SET_ACK itself).
constexpr uint64_t kNeverAckedBound = 2 * 20 + 1;

}

TEST_CASE("bad clients after the link are cut off one by one, while a good session and the guest go on" * doctest::test_suite(kNeedsKvm))
{
    SpiceboxProcess spicebox(spicebox_path(),
        { "--guest", "demo", "--append", "demo.seconds=0", "--spice", std::string("port=0,password=") + kPassword, "--timeout", "180" });
    REQUIRE_MESSAGE(!spicebox.uri().empty(), (spicebox.err()));
    uint16_t port = uint16_t(std::stoi(spicebox.port()));
    BackgroundSession good(port, kPassword);
    REQUIRE(good.ok());
    double before = good.draw_rate(std::chrono::seconds(2));
    MESSAGE(("the good session receives " + std::to_string(before) + " draws/s before the attacks"));
    REQUIRE(before > 0);

    auto attacks = after_link_attacks(kPassword);
    std::vector<bool> cut_off;
    for (auto& attack : attacks)
        cut_off.push_back(attack.run(port));

    // A display client that never acknowledges: the server stops at its ACK window and does not cut it off.
    RawSpiceClient main(port);
    auto session = main.open_main(kPassword);
    REQUIRE(session);
    RawSpiceClient never_acks(port);
    REQUIRE(never_acks.link(*session, SPICE_CHANNEL_DISPLAY, kPassword) == SPICE_LINK_ERR_OK);
    never_acks.send_message(SPICE_MSGC_DISPLAY_INIT, display_init_body());
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < deadline)
        never_acks.receive_message(std::chrono::milliseconds(100));
    MESSAGE(("a client that never acknowledges got " + std::to_string(never_acks.messages_received()) + " messages in 3 s"));
    CHECK(never_acks.messages_received() <= kNeverAckedBound);
    CHECK_FALSE(never_acks.closed_by_server());

    double after = good.draw_rate(std::chrono::seconds(2));
    MESSAGE(("the good session receives " + std::to_string(after) + " draws/s after the attacks"));
    CHECK(after >= before / 2);
    CHECK_FALSE(good.display_closed());
    good.type_key(kKeyA);
    CHECK(spicebox.wait_for_output("demo: key 1e", std::chrono::seconds(10)));

    for (size_t i = 0; i < attacks.size(); ++i) {
        INFO(attacks[i].name);
        CHECK(cut_off[i]);
        CHECK(spicebox.wait_for_log(attacks[i].expected_log, std::chrono::seconds(5)));
    }
    spicebox.stop();
    INFO(("spicebox stderr:\n" + spicebox.err()));
    // One line per bad client, nothing about the good ones or the one that never acknowledges.
    CHECK(count_of(spicebox.err(), "spicebox: spice: ") == attacks.size());
}
