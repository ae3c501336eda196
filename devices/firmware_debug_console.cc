#include "devices/firmware_debug_console.h"

#include "base/log.h"

namespace spicebox {

namespace {
constexpr uint8_t presence_value = 0xE9;
}

void FirmwareDebugConsole::io_read(uint64_t, std::span<uint8_t> data)
{
    std::fill(data.begin(), data.end(), 0);
    if (!data.empty())
        data[0] = presence_value;
}

void FirmwareDebugConsole::io_write(uint64_t, std::span<const uint8_t> data)
{
    if (data.empty())
        return;
    char c = char(data[0]);
    std::lock_guard lock(m_mutex);
    if (c == '\n') {
        finish_line();
        return;
    }
    // Control characters (SeaBIOS sends \r and form feeds) would garble the log line.
    if (c == '\t' || (uint8_t(c) >= 0x20 && uint8_t(c) != 0x7F))
        m_line += c;
    if (m_line.size() >= max_line_length)
        finish_line();
}

void FirmwareDebugConsole::finish_line()
{
    LOG_DEBUG("firmware", "%s", m_line.c_str());
    m_lines.push_back(std::move(m_line));
    m_line.clear();
    if (m_lines.size() > kept_lines)
        m_lines.pop_front();
}

std::vector<std::string> FirmwareDebugConsole::last_lines() const
{
    std::lock_guard lock(m_mutex);
    std::vector<std::string> lines(m_lines.begin(), m_lines.end());
    if (!m_line.empty())
        lines.push_back(m_line);
    return lines;
}

} // namespace spicebox
