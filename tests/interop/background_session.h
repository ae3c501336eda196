// A well-behaved SPICE session for the tests that attack the server around it: main, display (initialized)
// and inputs channels; a thread of its own reads and acknowledges the display and main channels like a real
// client and counts the draws, so a test can measure the frame rate it keeps while others misbehave.
#pragma once

#include "tests/interop/raw_spice_client.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

namespace spicebox::test {

class BackgroundSession {
public:
    BackgroundSession(uint16_t port, const std::string& password);
    ~BackgroundSession();

    // All three channels linked, and the thread running.
    bool ok() const { return m_thread.joinable(); }
    uint32_t session_id() const { return m_session_id; }
    uint64_t draws() const { return m_draws; }
    uint64_t bytes() const { return m_bytes; }
    bool display_closed() const { return m_display_closed; }
    // Draw messages per second over the next `window`.
    double draw_rate(std::chrono::milliseconds window) const;
    // A press and a release of the key with set-1 make code `code` on the inputs channel.
    void type_key(uint8_t code);

private:
    void run();

    std::unique_ptr<RawSpiceClient> m_main;
    std::unique_ptr<RawSpiceClient> m_display;
    std::unique_ptr<RawSpiceClient> m_inputs;
    uint32_t m_session_id { 0 };
    std::atomic<uint64_t> m_draws { 0 };
    std::atomic<uint64_t> m_bytes { 0 };
    std::atomic<bool> m_display_closed { false };
    std::atomic<bool> m_stop { false };
    std::thread m_thread;
};

}
