#include "tests/interop/after_link_attacks.h"

#include "spice-common/wire_writer.h"
#include "tests/interop/raw_spice_client.h"

#include <spice/enums.h>
#include <spice/protocol.h>

#include <cstring>

namespace spicebox::test {

namespace {

constexpr auto kCutOffWait = std::chrono::milliseconds(10000);
// spice-gtk's defaults: pixmap cache id 1 of 20 MiB of pixels, GLZ dictionary id 1 of 12 MiB.
constexpr int64_t kPixmapCacheSize = 20 * 1024 * 1024 / 4;
constexpr int32_t kGlzWindowSize = 12 * 1024 * 1024 / 4;
constexpr size_t kTicketBytes = SPICE_TICKET_KEY_PAIR_LENGTH / 8;
// Enough CHANNELS_LIST replies to overflow what the server queues for one client (16 Ki messages), even
// after the sockets' buffers took their share.
constexpr size_t kUnreadRequests = 1000000;
constexpr int kTinyReceiveBuffer = 4096;

std::vector<uint8_t> mini_header(uint16_t type, uint32_t size)
{
    std::vector<uint8_t> out(sizeof(SpiceMiniDataHeader));
    SpiceMiniDataHeader header { type, size };
    std::memcpy(out.data(), &header, sizeof header);
    return out;
}

// A main channel of its own, then `channel_type` linked in that session, where it sends `bytes`; the server
// must close it (or, with `then_close`, the client closes right after sending).
bool on_channel(uint16_t port, const std::string& password, uint8_t channel_type, const std::vector<uint8_t>& bytes,
    bool then_close = false)
{
    RawSpiceClient main(port);
    auto session = main.open_main(password);
    if (!session)
        return false;
    RawSpiceClient channel(port);
    if (channel.link(*session, channel_type, password) != SPICE_LINK_ERR_OK)
        return false;
    channel.send_bytes(bytes);
    return then_close || channel.wait_closed(kCutOffWait);
}

using LinkAttempt = std::function<std::optional<uint32_t>(RawSpiceClient&, uint32_t session)>;

// A main channel of its own (attached or not), then a second channel linked by `link`, which the server
// must refuse with `expected` and close.
bool link_refused(uint16_t port, const std::string& password, bool attach, const LinkAttempt& link, uint32_t expected)
{
    RawSpiceClient main(port);
    uint32_t session = 0;
    if (attach) {
        auto opened = main.open_main(password);
        if (!opened)
            return false;
        session = *opened;
    } else {
        if (main.link(0, SPICE_CHANNEL_MAIN, password) != SPICE_LINK_ERR_OK)
            return false;
        auto init = main.receive_message(kCutOffWait);
        if (!init || init->type != SPICE_MSG_MAIN_INIT)
            return false;
        session = le32_at(init->body, 0);
    }
    RawSpiceClient channel(port);
    return link(channel, session) == expected && channel.wait_closed(kCutOffWait);
}

}

std::vector<uint8_t> display_init_body()
{
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u8(1);
    writer.put(kPixmapCacheSize);
    writer.put_u8(1);
    writer.put(kGlzWindowSize);
    return body;
}

std::vector<AfterLinkAttack> after_link_attacks(const std::string& password)
{
    auto truncated = mini_header(SPICE_MSGC_INPUTS_KEY_DOWN, 4);
    truncated.resize(sizeof(SpiceMiniDataHeader) / 2);
    auto other_channels = mini_header(SPICE_MSGC_DISPLAY_PREFERRED_VIDEO_CODEC_TYPE, 2);
    other_channels.insert(other_channels.end(), { 1, SPICE_VIDEO_CODEC_TYPE_MJPEG });
    return {
        { "garbage on the main channel",
            [password](uint16_t port) {
                RawSpiceClient main(port);
                if (!main.open_main(password))
                    return false;
                main.send_bytes(std::vector<uint8_t>(64, 0xA5));
                return main.wait_closed(kCutOffWait);
            },
            "disconnected: message type 42405 is not one a client sends on the main channel" },
        { "a 4 GiB message on the display channel",
            [password](uint16_t port) { return on_channel(port, password, SPICE_CHANNEL_DISPLAY, mini_header(SPICE_MSGC_DISPLAY_INIT, 0xFFFFFFFF)); },
            "disconnected: message type 101 of 4294967295 bytes exceeds the display channel's limit" },
        { "a truncated mini header on the inputs channel, then close",
            [password, truncated](uint16_t port) { return on_channel(port, password, SPICE_CHANNEL_INPUTS, truncated, true); },
            "disconnected: the client closed the connection in the middle of a message (3 bytes of it)" },
        { "a display message on the inputs channel",
            [password, other_channels](uint16_t port) { return on_channel(port, password, SPICE_CHANNEL_INPUTS, other_channels); },
            "disconnected: message type 105 is not one a client sends on the inputs channel" },
        { "an unknown message type on the cursor channel",
            [password](uint16_t port) { return on_channel(port, password, SPICE_CHANNEL_CURSOR, mini_header(SPICE_MSGC_END_MAIN, 0)); },
            "disconnected: message type 113 is not one a client sends on the cursor channel" },
        { "a main channel that asks for a million replies and reads none",
            [password](uint16_t port) {
                RawSpiceClient main(port, kTinyReceiveBuffer);
                if (!main.open_main(password))
                    return false;
                std::vector<uint8_t> requests;
                for (size_t i = 0; i < kUnreadRequests; ++i) {
                    auto header = mini_header(SPICE_MSGC_MAIN_ATTACH_CHANNELS, 0);
                    requests.insert(requests.end(), header.begin(), header.end());
                }
                main.send_bytes(requests);
                return main.wait_closed(kCutOffWait);
            },
            "wait to be sent: the client asks for replies and does not read them" },
        { "the inputs channel before main's ATTACH_CHANNELS",
            [password](uint16_t port) {
                return link_refused(port, password, false,
                    [&](RawSpiceClient& channel, uint32_t session) { return channel.link(session, SPICE_CHANNEL_INPUTS, password); },
                    SPICE_LINK_ERR_BAD_CONNECTION_ID);
            },
            "link refused (error 8): session 0x" },
        { "a second channel of a session with a wrong ticket",
            [password](uint16_t port) {
                return link_refused(port, password, true,
                    [&](RawSpiceClient& channel, uint32_t session) { return channel.link(session, SPICE_CHANNEL_DISPLAY, password + "!"); },
                    SPICE_LINK_ERR_PERMISSION_DENIED);
            },
            "link refused (error 7): wrong password" },
        { "a second channel of a session with an empty ticket",
            [password](uint16_t port) {
                return link_refused(port, password, true,
                    [](RawSpiceClient& channel, uint32_t session) { return channel.link(session, SPICE_CHANNEL_INPUTS, ""); },
                    SPICE_LINK_ERR_PERMISSION_DENIED);
            },
            "link refused (error 7): wrong password" },
        { "a second channel of a session with a ticket that does not decrypt",
            [password](uint16_t port) {
                return link_refused(port, password, true,
                    [](RawSpiceClient& channel, uint32_t session) {
                        return channel.link_with_ticket(session, SPICE_CHANNEL_CURSOR, std::vector<uint8_t>(kTicketBytes, 0));
                    },
                    SPICE_LINK_ERR_PERMISSION_DENIED);
            },
            "link refused (error 7): ticket decryption failed" },
    };
}

}
