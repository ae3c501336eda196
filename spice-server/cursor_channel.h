// The cursor channel of one client. The guests shown so far draw their own pointer into the framebuffer,
// so the channel says "no cursor" and stays quiet; shapes come with the QXL command path.
#pragma once

#include "spice-server/channel_client.h"

namespace spicebox {

// spice-server's cursor channel receive limit.
constexpr size_t kCursorMaxMessageBytes = 1024;

class CursorChannelClient final : public ChannelClient {
public:
    CursorChannelClient(std::unique_ptr<SocketStream>, LinkRequest);

    // INIT with no cursor shape: the guest draws its own pointer into the framebuffer.
    Result<void> start() override;

private:
    Result<void> handle_message(uint16_t type, std::span<const uint8_t> body) override;
};

} // namespace spicebox
