// Draw commands from a device through the CommandStream and the server to clients that decode them with
// the client-side demarshaller and render them with the same canvas: a client linked from the start, one
// that joins in the middle (a snapshot, then only later commands: the XOR fills would show anything
// applied twice) and one that stops acknowledging (resynchronised) all end with the server's picture.
#include "spice-common/canvas.h"
#include "spice-common/canvas_sink.h"
#include "spice-common/draw_demarshaller.h"
#include "spice-server/command_stream.h"
#include "spice-server/spice_server.h"
#include "tests/unit/spice-server/poll_loop.h"
#include "tests/unit/spice-server/spice_test_client.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

#include <cstring>
#include <map>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace spicebox;
using namespace spicebox::test;

namespace {

// A display card in VGA mode with no picture: the framebuffer source the display channel needs.
class NoScreen final : public FramebufferSource {
public:
    std::vector<Rect> update_screen(Framebuffer& screen) override
    {
        screen.resize(0, 0);
        return {};
    }
};

struct Message {
    uint16_t type;
    std::vector<uint8_t> body;
};

// One channel over a socketpair handed to the server.
class Connection {
public:
    Connection(PollLoop& loop, SpiceServer& server) : m_loop(loop)
    {
        int fds[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
        m_fd = fds[0];
        REQUIRE(server.add_connection(fds[1]).ok());
    }
    ~Connection() { close(m_fd); }

    void send(const std::vector<uint8_t>& bytes)
    {
        size_t done = 0;
        while (done < bytes.size()) {
            ssize_t count = ::send(m_fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (count > 0)
                done += size_t(count);
            m_loop.run_once(1);
        }
    }
    void send_message(uint16_t type, const std::vector<uint8_t>& body)
    {
        std::vector<uint8_t> bytes;
        WireWriter writer(bytes);
        writer.put(SpiceMiniDataHeader { type, uint32_t(body.size()) });
        writer.put_bytes(body);
        send(bytes);
    }
    std::vector<uint8_t> receive(size_t count, std::chrono::milliseconds patience = std::chrono::seconds(5))
    {
        auto deadline = std::chrono::steady_clock::now() + patience;
        while (m_buffer.size() < count && std::chrono::steady_clock::now() < deadline) {
            m_loop.run_once(2);
            uint8_t chunk[65536];
            ssize_t got = recv(m_fd, chunk, sizeof chunk, 0);
            if (got > 0)
                m_buffer.insert(m_buffer.end(), chunk, chunk + got);
        }
        size_t taken = std::min(count, m_buffer.size());
        std::vector<uint8_t> out(m_buffer.begin(), m_buffer.begin() + ptrdiff_t(taken));
        m_buffer.erase(m_buffer.begin(), m_buffer.begin() + ptrdiff_t(taken));
        return out;
    }
    // The next message, or nullopt when none comes within `patience`.
    std::optional<Message> receive_message(std::chrono::milliseconds patience = std::chrono::seconds(5))
    {
        auto header = receive(6, patience);
        if (header.size() < 6) {
            m_buffer.insert(m_buffer.begin(), header.begin(), header.end());
            return std::nullopt;
        }
        SpiceMiniDataHeader parsed;
        std::memcpy(&parsed, header.data(), 6);
        uint32_t size = parsed.size;
        auto body = receive(size);
        REQUIRE(body.size() == size);
        return Message { parsed.type, body };
    }
    void link(uint32_t connection_id, uint8_t channel_type)
    {
        send(link_message(connection_id, channel_type, 0, kSpiceGtkCommonCaps, {}));
        auto reply = receive(16 + 178);
        REQUIRE(reply.size() == 16 + 178);
        REQUIRE(u32_at(reply, 16) == SPICE_LINK_ERR_OK);
        receive(u32_at(reply, 12) - 178);
        std::vector<uint8_t> auth;
        WireWriter(auth).put_u32(SPICE_COMMON_CAP_AUTH_SPICE);
        auto ticket = encrypt_ticket(std::span(reply.data() + 20, TicketKey::public_key_bytes), "");
        auth.insert(auth.end(), ticket.begin(), ticket.end());
        send(auth);
        auto result = receive(4);
        REQUIRE(result.size() == 4);
        REQUIRE(u32_at(result, 0) == SPICE_LINK_ERR_OK);
    }

private:
    PollLoop& m_loop;
    int m_fd;
    std::vector<uint8_t> m_buffer;
};

const std::vector<uint8_t> kDisplayInit { 0x01, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x30, 0x00 };

// A display client that renders what it is sent: images raw, from its pixmap cache, or other surfaces.
class RenderingClient final : private ImageResolver {
public:
    RenderingClient(PollLoop& loop, SpiceServer& server, uint32_t session)
        : m_connection(loop, server)
    {
        m_connection.link(session, SPICE_CHANNEL_DISPLAY);
        std::vector<uint8_t> sync;
        WireWriter(sync).put_u32(1);
        m_connection.send_message(SPICE_MSGC_ACK_SYNC, sync);
        m_connection.send_message(SPICE_MSGC_DISPLAY_INIT, kDisplayInit);
    }

    // Reads and renders until nothing comes for `quiet`; acknowledges as it goes unless told not to.
    void read_until_quiet(std::chrono::milliseconds quiet = std::chrono::milliseconds(300))
    {
        while (auto message = m_connection.receive_message(quiet))
            handle(*message);
    }
    // Stops acknowledging (and reading): the server's ACK window closes.
    void stop_acks() { m_acknowledging = false; }
    void resume_acks()
    {
        m_acknowledging = true;
        for (; m_unacknowledged >= m_window; m_unacknowledged -= m_window)
            m_connection.send_message(SPICE_MSGC_ACK, {});
    }

    Framebuffer primary() const
    {
        Framebuffer picture;
        REQUIRE(m_canvas.read_surface(0, picture).ok());
        return picture;
    }
    std::map<uint16_t, size_t> counts;
    size_t from_cache { 0 };

private:
    void handle(const Message& message)
    {
        ++counts[message.type];
        if (message.type == SPICE_MSG_SET_ACK) {
            m_window = u32_at(message.body, 4);
            return;
        }
        if (++m_unacknowledged >= m_window && m_acknowledging) {
            m_unacknowledged = 0;
            m_connection.send_message(SPICE_MSGC_ACK, {});
        }
        switch (message.type) {
        case SPICE_MSG_DISPLAY_SURFACE_CREATE:
            REQUIRE(m_canvas.create_surface(SurfaceCreate { .surface_id = u32_at(message.body, 0), .width = u32_at(message.body, 4),
                                                .height = u32_at(message.body, 8), .stride = int32_t(u32_at(message.body, 4) * 4) })
                        .ok());
            return;
        case SPICE_MSG_DISPLAY_SURFACE_DESTROY:
            m_canvas.destroy_surface(u32_at(message.body, 0));
            return;
        case SPICE_MSG_DISPLAY_INVAL_LIST: {
            uint16_t count = uint16_t(message.body[0] | message.body[1] << 8);
            for (uint16_t i = 0; i < count; ++i) {
                uint64_t id;
                std::memcpy(&id, message.body.data() + 2 + 9 * i + 1, 8);
                REQUIRE(m_cache.erase(id) == 1);
            }
            return;
        }
        default:
            break;
        }
        if (!is_draw_message(message.type))
            return;
        auto command = parse_draw_message(message.type, message.body, *this);
        REQUIRE_MESSAGE(command.ok(), command.error_message());
        m_canvas.draw(*command);
    }

    Result<Image> resolve_image(std::span<const uint8_t> body, uint32_t offset) override
    {
        WireReader reader(body.subspan(offset));
        Image image;
        image.id = TRY(reader.read<uint64_t>("id"));
        auto type = TRY(reader.read<uint8_t>("type"));
        auto flags = TRY(reader.read<uint8_t>("flags"));
        TRY(reader.skip(8, "size"));
        if (type == SPICE_IMAGE_TYPE_FROM_CACHE) {
            auto found = m_cache.find(image.id);
            if (found == m_cache.end())
                return Error { "FROM_CACHE of an image the client does not have" };
            ++from_cache;
            return found->second;
        }
        if (type == SPICE_IMAGE_TYPE_SURFACE) {
            image.source = SurfaceImage { TRY(reader.read<uint32_t>("surface")) };
            return image;
        }
        if (type != SPICE_IMAGE_TYPE_BITMAP)
            return Error { "unexpected image type" };
        Bitmap bitmap;
        bitmap.format = BitmapFormat(TRY(reader.read<uint8_t>("format")));
        TRY(reader.read<uint8_t>("bitmap flags"));
        bitmap.width = TRY(reader.read<uint32_t>("x"));
        bitmap.height = TRY(reader.read<uint32_t>("y"));
        bitmap.stride = TRY(reader.read<uint32_t>("stride"));
        TRY(reader.read<uint32_t>("palette"));
        auto pixels = TRY(reader.read_bytes(size_t(bitmap.stride) * bitmap.height, "pixels"));
        bitmap.pixels.assign(pixels.begin(), pixels.end());
        image.source = std::move(bitmap);
        if (flags & SPICE_IMAGE_FLAGS_CACHE_ME)
            m_cache[image.id] = image;
        return image;
    }

    Connection m_connection;
    Canvas m_canvas;
    std::map<uint64_t, Image> m_cache;
    uint32_t m_window { 1 };
    uint32_t m_unacknowledged { 0 };
    bool m_acknowledging { true };
};

struct Guest {
    CanvasSink renderer;
    std::unique_ptr<CommandStream> stream = CommandStream::create(renderer).value();

    void fill(uint32_t surface, Rect box, uint32_t color, uint16_t rop = SPICE_ROPD_OP_PUT)
    {
        stream->draw(DrawCommand { .surface_id = surface, .bbox = box, .operation = FillOp { .brush = SolidBrush { color }, .rop_descriptor = rop } });
    }
    void copy(uint32_t surface, Rect box, Image source)
    {
        stream->draw(DrawCommand { .surface_id = surface, .bbox = box,
            .operation = CopyOp { .source = std::move(source), .source_area = { 0, 0, box.width(), box.height() } } });
    }
    // A burst of work with every kind the path treats specially.
    void draw_scene(uint32_t seed)
    {
        fill(0, { 0, 0, 64, 48 }, 0x102030 * seed);
        fill(0, { 5, 5, 40, 30 }, 0x00FF00FF, SPICE_ROPD_OP_XOR);
        fill(1, { 0, 0, 16, 16 }, 0x00ABCDEF ^ seed);
        copy(0, { 30, 20, 46, 36 }, Image { .id = 77, .source = SurfaceImage { 1 } });
        Bitmap bitmap { .format = BitmapFormat::Xrgb8888, .width = 8, .height = 8, .stride = 32 };
        for (uint32_t i = 0; i < 256; ++i)
            bitmap.pixels.push_back(uint8_t(i * 3));
        copy(0, { 50, 2, 58, 10 }, Image { .id = 1000 + seed % 3, .cacheable = true, .source = bitmap });
        stream->draw(DrawCommand { .surface_id = 0, .bbox = { 0, 40, 20, 48 }, .operation = CopyBitsOp { { 10, 0 } } });
        fill(0, { 20, 10, 60, 44 }, 0x00FFFFFF, SPICE_ROPD_OP_XOR);
    }
    Framebuffer screen() const
    {
        Framebuffer picture;
        REQUIRE(renderer.screenshot(picture, false).ok());
        return picture;
    }
};

size_t differing_pixels(const Framebuffer& a, const Framebuffer& b)
{
    REQUIRE(a.width == b.width);
    REQUIRE(a.height == b.height);
    size_t differing = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i)
        differing += (a.pixels[i] & 0xFFFFFF) != (b.pixels[i] & 0xFFFFFF);
    return differing;
}

size_t draw_messages(const std::map<uint16_t, size_t>& counts)
{
    size_t total = 0;
    for (auto& [type, count] : counts)
        total += is_draw_message(type) ? count : 0;
    return total;
}

}

TEST_CASE("display commands: clients from the start, joining late and falling behind all end with the server's picture")
{
    PollLoop loop;
    NoScreen screen;
    Guest guest;
    SpiceServerConfig config;
    config.listen = false;
    auto server = SpiceServer::create(loop, config, &screen, nullptr).value();
    REQUIRE(server->attach_commands(*guest.stream).ok());
    guest.stream->create_surface(SurfaceCreate { .surface_id = 0, .width = 64, .height = 48, .stride = 256, .primary = true });
    guest.stream->create_surface(SurfaceCreate { .surface_id = 1, .width = 16, .height = 16, .stride = 64 });

    Connection main(loop, *server);
    main.link(0, SPICE_CHANNEL_MAIN);
    auto init = main.receive_message();
    REQUIRE(init);
    REQUIRE(init->type == SPICE_MSG_MAIN_INIT);
    uint32_t session = u32_at(init->body, 0);
    // A session's other channels may link once its main channel asked for the channel list.
    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    for (auto message = main.receive_message(); message && message->type != SPICE_MSG_MAIN_CHANNELS_LIST;)
        message = main.receive_message();

    RenderingClient early(loop, *server, session);
    early.read_until_quiet();
    CHECK(early.counts[SPICE_MSG_DISPLAY_SURFACE_CREATE] == 2);
    CHECK(early.counts[SPICE_MSG_DISPLAY_MARK] == 1);
    CHECK(early.counts[SPICE_MSG_DISPLAY_MONITORS_CONFIG] == 1);

    // The early client keeps up: it reads each scene before the next is drawn.
    for (uint32_t seed = 1; seed <= 5; ++seed) {
        guest.draw_scene(seed);
        early.read_until_quiet(std::chrono::milliseconds(50));
    }
    RenderingClient late(loop, *server, session);
    late.read_until_quiet();
    for (uint32_t seed = 6; seed <= 20; ++seed) {
        guest.draw_scene(seed);
        early.read_until_quiet(std::chrono::milliseconds(50));
    }
    // The late one reads nothing until all of 6..20 are drawn: past its ACK window (40 messages) its draws
    // wait in its pipe, where the full-screen fills cover most of them.
    late.read_until_quiet();

    auto expected = guest.screen();
    CHECK(differing_pixels(early.primary(), expected) == 0);
    CHECK(differing_pixels(late.primary(), expected) == 0);
    // The early client got every draw of the scenes as a draw command, after the snapshot's two surface
    // images; the bitmap's three ids came from its cache after their first use.
    CHECK(draw_messages(early.counts) == 2 + 20 * 7);
    CHECK(early.from_cache == 17);
    CHECK(draw_messages(late.counts) < 2 + 15 * 7);
    MESSAGE(("the late client was sent " + std::to_string(draw_messages(late.counts)) + " draws for the 105 of scenes 6..20"));

    SUBCASE("when the loop falls behind the device, the events are dropped and every client gets a snapshot")
    {
        size_t early_marks = early.counts[SPICE_MSG_DISPLAY_MARK];
        size_t late_marks = late.counts[SPICE_MSG_DISPLAY_MARK];
        // No loop iteration while the device draws: the stream's queue overflows.
        for (uint32_t seed = 21; seed <= 21 + kMaxQueuedDisplayEvents / 7; ++seed)
            guest.draw_scene(seed);
        early.read_until_quiet();
        late.read_until_quiet();
        CHECK(early.counts[SPICE_MSG_DISPLAY_MARK] == early_marks + 1);
        CHECK(late.counts[SPICE_MSG_DISPLAY_MARK] == late_marks + 1);
        CHECK(differing_pixels(early.primary(), guest.screen()) == 0);
        CHECK(differing_pixels(late.primary(), guest.screen()) == 0);
    }
    SUBCASE("a client that stops acknowledging while draws nothing covers pile up gets a snapshot instead")
    {
        size_t early_marks = early.counts[SPICE_MSG_DISPLAY_MARK];
        early.stop_acks();
        for (int32_t i = 0; i < int32_t(kMaxCommandPipeItems) + 100; ++i) {
            guest.fill(0, { i % 64, i / 64 % 48, i % 64 + 1, i / 64 % 48 + 1 }, 0x00FFFFFF, SPICE_ROPD_OP_XOR);
            if (i % 50 == 0)
                late.read_until_quiet(std::chrono::milliseconds(5));
        }
        late.read_until_quiet();
        early.resume_acks();
        early.read_until_quiet();
        CHECK(early.counts[SPICE_MSG_DISPLAY_MARK] == early_marks + 1);
        CHECK(differing_pixels(early.primary(), guest.screen()) == 0);
        CHECK(differing_pixels(late.primary(), guest.screen()) == 0);
    }
}
