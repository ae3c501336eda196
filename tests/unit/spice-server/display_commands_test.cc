// Draw commands from a device through the CommandStream and the server to clients that decode them with
// the client-side demarshaller and render them with the same canvas: a client linked from the start, one
// that joins in the middle (a snapshot, then only later commands: the XOR fills would show anything
// applied twice) and one that stops acknowledging (resynchronised) all end with the server's picture.
#include "spice-common/canvas.h"
#include "spice-common/canvas_sink.h"
#include "spice-common/draw_demarshaller.h"
#include "spice-common/jpeg_codec.h"
#include "spice-server/command_stream.h"
#include "spice-server/image_encoder.h"
#include "spice-server/spice_server.h"
#include "tests/unit/spice-server/poll_loop.h"
#include "tests/unit/spice-server/spice_test_client.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

#include <cmath>
#include <cstring>
#include <map>
#include <thread>
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

// A link that carries `bytes_per_read` every `pause`: small socket buffers, so the server's output waits.
struct SlowLink {
    size_t bytes_per_read;
    std::chrono::milliseconds pause;
};

// One channel over a socketpair handed to the server.
class Connection {
public:
    Connection(PollLoop& loop, SpiceServer& server, std::optional<SlowLink> slow = std::nullopt)
        : m_loop(loop)
        , m_slow(slow)
    {
        int fds[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
        m_fd = fds[0];
        if (m_slow) {
            int buffer = int(m_slow->bytes_per_read);
            REQUIRE(setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer) == 0);
            REQUIRE(setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer) == 0);
        }
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
            size_t wanted = m_slow ? std::min(sizeof chunk, m_slow->bytes_per_read) : sizeof chunk;
            if (m_slow)
                std::this_thread::sleep_for(m_slow->pause);
            ssize_t got = recv(m_fd, chunk, wanted, 0);
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
    std::optional<SlowLink> m_slow;
    int m_fd;
    std::vector<uint8_t> m_buffer;
};

const std::vector<uint8_t> kDisplayInit { 0x01, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x30, 0x00 };

// A display client that renders what it is sent: images raw, from its pixmap cache, or other surfaces.
class RenderingClient final : private ImageResolver {
public:
    RenderingClient(PollLoop& loop, SpiceServer& server, uint32_t session, std::optional<SlowLink> slow = std::nullopt)
        : m_connection(loop, server, slow)
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
    size_t jpeg_images { 0 };
    size_t jpeg_bytes { 0 };

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
        if (type == SPICE_IMAGE_TYPE_JPEG) {
            auto size = TRY(reader.read<uint32_t>("data_size"));
            auto decoded = TRY(decode_jpeg(TRY(reader.read_bytes(size, "JPEG data"))));
            ++jpeg_images;
            jpeg_bytes += size;
            image.source = std::move(decoded);
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

TEST_CASE("command stream: each primary brings a one-head monitors config until the guest sends its own, as spice-server does")
{
    CanvasSink renderer;
    std::unique_ptr<CommandStream> stream = CommandStream::create(renderer).value();
    stream->set_posting(true);
    std::vector<uint8_t> pixels(32 * 16 * 4);
    SurfaceCreate primary { .surface_id = 0, .width = 32, .height = 16, .stride = 128, .primary = true, .memory = pixels };
    auto monitors_of = [](const CommandStream::Batch& batch) {
        std::vector<MonitorsConfig> out;
        for (auto& event : batch.events) {
            if (auto* config = std::get_if<MonitorsConfig>(&event.what))
                out.push_back(*config);
        }
        return out;
    };

    stream->create_surface(primary);
    auto posted = monitors_of(stream->take_events());
    REQUIRE(posted.size() == 1);
    CHECK(posted[0].max_allowed == 1);
    CHECK(posted[0].heads == std::vector<MonitorHead> { MonitorHead { .id = 0, .surface_id = 0, .width = 32, .height = 16 } });

    // A driver that sends its own config (Linux's qxl allows 4 heads) is not pre-empted at the next primary,
    // but a client joining before the driver's next config gets the primary's.
    stream->monitors_config(MonitorsConfig { 4, { MonitorHead { .width = 32, .height = 16 } } });
    CHECK(monitors_of(stream->take_events()).size() == 1);
    stream->destroy_surface(0);
    primary.width = 16;
    primary.stride = 64;
    stream->create_surface(primary);
    CHECK(monitors_of(stream->take_events()).empty());
    auto snapshot = stream->snapshot();
    CHECK(snapshot.monitors.max_allowed == 1);
    REQUIRE(snapshot.monitors.heads.size() == 1);
    CHECK(snapshot.monitors.heads[0].width == 16);
}

TEST_CASE("display commands: a client on a slow link gets a photographic image as JPEG that decodes close to the original")
{
    PollLoop loop;
    NoScreen screen;
    Guest guest;
    SpiceServerConfig config;
    config.listen = false;
    auto server = SpiceServer::create(loop, config, &screen, nullptr).value();
    REQUIRE(server->attach_commands(*guest.stream).ok());
    constexpr uint32_t width = 512;
    constexpr uint32_t height = 384;
    guest.stream->create_surface(SurfaceCreate { .surface_id = 0, .width = width, .height = height, .stride = width * 4, .primary = true });
    guest.fill(0, { 0, 0, int32_t(width), int32_t(height) }, 0x00406080);

    Connection main(loop, *server);
    main.link(0, SPICE_CHANNEL_MAIN);
    auto init = main.receive_message();
    REQUIRE(init);
    uint32_t session = u32_at(init->body, 0);
    main.send_message(SPICE_MSGC_MAIN_ATTACH_CHANNELS, {});
    for (auto message = main.receive_message(); message && message->type != SPICE_MSG_MAIN_CHANNELS_LIST;)
        message = main.receive_message();

    // 8 KiB every 10 ms: about 0.8 MB/s, below the 10 Mbit/s line. The raw 768 KiB snapshot of the primary
    // keeps the server's output waiting long enough to measure it.
    RenderingClient slow(loop, *server, session, SlowLink { 8 * 1024, std::chrono::milliseconds(10) });
    auto started = std::chrono::steady_clock::now();
    slow.read_until_quiet();
    auto snapshot_time = std::chrono::steady_clock::now() - started;
    CHECK(slow.jpeg_images == 0); // the snapshot's surface pixels are never lossy

    // A photograph-like picture: smooth shading with fine grain, thousands of distinct colours.
    constexpr uint32_t photo_size = 256;
    Bitmap photo { .format = BitmapFormat::Xrgb8888, .width = photo_size, .height = photo_size, .stride = photo_size * 4 };
    uint32_t grain = 12345;
    for (uint32_t y = 0; y < photo_size; ++y) {
        for (uint32_t x = 0; x < photo_size; ++x) {
            grain = grain * 1103515245 + 12345;
            int noise = int(grain >> 28) - 8;
            auto channel = [&](double value) { return uint8_t(std::clamp(int(value) + noise, 0, 255)); };
            photo.pixels.push_back(channel(128 + 100 * std::sin(x / 19.0) * std::cos(y / 23.0)));
            photo.pixels.push_back(channel(40 + 0.6 * (x + y)));
            photo.pixels.push_back(channel(200 - 0.5 * y + 30 * std::sin((x + y) / 31.0)));
            photo.pixels.push_back(0);
        }
    }
    REQUIRE(looks_photographic(photo));
    Rect area { 100, 60, 100 + int32_t(photo_size), 60 + int32_t(photo_size) };
    guest.copy(0, area, Image { .id = 4242, .cacheable = true, .source = photo });
    started = std::chrono::steady_clock::now();
    slow.read_until_quiet();
    auto photo_time = std::chrono::steady_clock::now() - started;

    REQUIRE(slow.jpeg_images == 1);
    auto expected = guest.screen();
    auto got = slow.primary();
    uint64_t error_sum = 0;
    int max_error = 0;
    size_t outside_differs = 0;
    for (uint32_t y = 0; y < height; ++y) {
        for (uint32_t x = 0; x < width; ++x) {
            uint32_t a = expected.at(x, y);
            uint32_t b = got.at(x, y);
            bool inside = int32_t(x) >= area.left && int32_t(x) < area.right && int32_t(y) >= area.top && int32_t(y) < area.bottom;
            if (!inside) {
                outside_differs += (a & 0xFFFFFF) != (b & 0xFFFFFF);
                continue;
            }
            for (int shift = 0; shift < 24; shift += 8) {
                int error = std::abs(int(a >> shift & 0xFF) - int(b >> shift & 0xFF));
                error_sum += uint64_t(error);
                max_error = std::max(max_error, error);
            }
        }
    }
    double mean_error = double(error_sum) / (3.0 * photo_size * photo_size);
    MESSAGE("slow link: snapshot of " << width * height * 4 / 1024 << " KiB in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(snapshot_time).count() << " ms; the "
            << photo_size * photo_size * 4 / 1024 << " KiB photo went as " << slow.jpeg_bytes << " bytes of JPEG in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(photo_time).count() << " ms, mean error " << mean_error
            << " levels per channel, max " << max_error);
    CHECK(outside_differs == 0);
    CHECK(mean_error < 4.0);
    CHECK(slow.jpeg_bytes < photo_size * photo_size * 4 / 4);
}
