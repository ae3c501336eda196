// A SPICE client made of one raw socket per channel, for tests that play good and bad clients at the
// protocol level: it links a channel (ticket encrypted as real clients do), sends and receives mini-header
// messages, and can behave well (answer SET_ACK and PING, acknowledge) while counting what it receives.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace spicebox::test {

struct SpiceMessage {
    uint16_t type;
    std::vector<uint8_t> body;
};

class RawSpiceClient {
public:
    // Connects to 127.0.0.1:`port`; connected() says whether it worked. `receive_buffer_bytes` shrinks the
    // socket's receive buffer (SO_RCVBUF), for a client whose socket should fill up fast.
    explicit RawSpiceClient(uint16_t port, std::optional<int> receive_buffer_bytes = std::nullopt);
    ~RawSpiceClient();
    RawSpiceClient(const RawSpiceClient&) = delete;
    RawSpiceClient& operator=(const RawSpiceClient&) = delete;

    bool connected() const { return m_fd >= 0; }
    int fd() const { return m_fd; }

    // Links `channel_type` of session `connection_id` (0 for main) with `password` (any text when the
    // server has ticketing disabled); returns the server's link result (SPICE_LINK_ERR_*), or nullopt when
    // the connection ended before it said.
    std::optional<uint32_t> link(uint32_t connection_id, uint8_t channel_type, const std::string& password);
    // The same with `ticket` sent as the encrypted ticket, whatever it holds.
    std::optional<uint32_t> link_with_ticket(uint32_t connection_id, uint8_t channel_type, std::span<const uint8_t> ticket);
    // A linked main channel: link, read INIT, send ATTACH_CHANNELS and read up to the CHANNELS_LIST.
    // Returns the session id.
    std::optional<uint32_t> open_main(const std::string& password);

    void send_bytes(std::span<const uint8_t>);
    void send_message(uint16_t type, std::span<const uint8_t> body);
    // The next message within `timeout`; nullopt on timeout or when the server closed the connection.
    std::optional<SpiceMessage> receive_message(std::chrono::milliseconds timeout);
    // Reads and drops everything until the server closes the connection; false if it did not in `timeout`.
    bool wait_closed(std::chrono::milliseconds timeout);
    bool closed_by_server() const { return m_closed; }

    // Behaves as a real client for `duration`: answers SET_ACK with ACK_SYNC, acknowledges every window's
    // messages, answers PING with PONG; counts messages, bytes, and the display's draw messages.
    void serve(std::chrono::milliseconds duration);
    uint64_t messages_received() const { return m_messages; }
    uint64_t draws_received() const { return m_draws; }
    uint64_t bytes_received() const { return m_bytes; }

private:
    bool fill(size_t count, std::chrono::steady_clock::time_point deadline);
    // `make_ticket` gets the server's public key.
    template<typename MakeTicket>
    std::optional<uint32_t> link_as(uint32_t connection_id, uint8_t channel_type, MakeTicket&& make_ticket);
    void handle_flow_control(const SpiceMessage&);

    int m_fd { -1 };
    std::vector<uint8_t> m_buffer;
    bool m_closed { false };
    uint32_t m_ack_window { 0 };
    uint32_t m_unacknowledged { 0 };
    uint64_t m_messages { 0 };
    uint64_t m_draws { 0 };
    uint64_t m_bytes { 0 };
};

// The 32-bit little-endian value at `offset` of `bytes` (0 when it does not fit).
uint32_t le32_at(std::span<const uint8_t> bytes, size_t offset);

}
