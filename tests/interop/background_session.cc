#include "tests/interop/background_session.h"

#include "spice-common/wire_writer.h"
#include "tests/interop/after_link_attacks.h"

#include <spice/enums.h>

namespace spicebox::test {

namespace {

constexpr auto kServeSlice = std::chrono::milliseconds(50);
constexpr uint8_t kBreakBit = 0x80;

}

BackgroundSession::BackgroundSession(uint16_t port, const std::string& password)
    : m_main(std::make_unique<RawSpiceClient>(port))
{
    auto session = m_main->open_main(password);
    if (!session)
        return;
    m_session_id = *session;
    m_display = std::make_unique<RawSpiceClient>(port);
    m_inputs = std::make_unique<RawSpiceClient>(port);
    if (m_display->link(m_session_id, SPICE_CHANNEL_DISPLAY, password) != SPICE_LINK_ERR_OK
        || m_inputs->link(m_session_id, SPICE_CHANNEL_INPUTS, password) != SPICE_LINK_ERR_OK)
        return;
    m_display->send_message(SPICE_MSGC_DISPLAY_INIT, display_init_body());
    m_thread = std::thread([this] { run(); });
}

BackgroundSession::~BackgroundSession()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
}

void BackgroundSession::run()
{
    while (!m_stop && !m_display->closed_by_server()) {
        m_display->serve(kServeSlice);
        m_main->serve(std::chrono::milliseconds(1));
        m_draws = m_display->draws_received();
        m_bytes = m_display->bytes_received();
    }
    m_display_closed = m_display->closed_by_server();
}

double BackgroundSession::draw_rate(std::chrono::milliseconds window) const
{
    auto start = std::chrono::steady_clock::now();
    uint64_t before = m_draws;
    std::this_thread::sleep_for(window);
    auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return double(m_draws - before) / seconds;
}

void BackgroundSession::type_key(uint8_t code)
{
    std::vector<uint8_t> body;
    WireWriter(body).put_u32(code);
    m_inputs->send_message(SPICE_MSGC_INPUTS_KEY_DOWN, body);
    body.clear();
    WireWriter(body).put_u32(uint32_t(code | kBreakBit));
    m_inputs->send_message(SPICE_MSGC_INPUTS_KEY_UP, body);
}

}
