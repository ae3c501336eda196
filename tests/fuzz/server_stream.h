// What the client fuzzers share: bytes from the server arriving on one of the client's channels,
// framed and split by the ChannelConnection the session reads with (the messages every channel shares,
// ACKs, PINGs and LISTs, handled there), each complete message then given to the channel's handler
// as ClientChannels::service does. A handler's error ends the session, as it does in pump().
#pragma once

#include "spice-client-sdl/channel_connection.h"

#include <span>

namespace spicebox::fuzz {

template<typename Handler>
bool arrive(ChannelConnection& channel, std::span<const uint8_t> bytes, Handler handler)
{
    channel.feed(bytes);
    for (;;) {
        auto message = channel.next_message();
        if (!message)
            return false;
        if (!*message)
            return true;
        if (!handler(**message))
            return false;
    }
}

} // namespace spicebox::fuzz
