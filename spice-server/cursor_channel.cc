#include "spice-server/cursor_channel.h"

#include "base/log.h"

#include <spice/enums.h>

namespace spicebox {

CursorChannelClient::CursorChannelClient(std::unique_ptr<SocketStream> stream, LinkRequest link)
    : ChannelClient(std::move(stream), std::move(link), kCursorMaxMessageBytes)
{
}

Result<void> CursorChannelClient::start()
{
    send(SPICE_MSG_CURSOR_INIT, [](WireWriter& writer) { marshal_cursor_init_none(writer); });
    return {};
}

Result<void> CursorChannelClient::handle_message(uint16_t type, std::span<const uint8_t>)
{
    LOG_DEBUG("spice", "cursor channel: message type %u ignored", type);
    return {};
}

} // namespace spicebox
