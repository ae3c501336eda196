#include "vmm/screen_watch.h"

namespace spicebox {

std::string joined_rows(const std::vector<std::string>& rows)
{
    std::string text;
    for (size_t i = 0; i < rows.size(); ++i) {
        if (i > 0)
            text += '\n';
        text += rows[i];
    }
    return text;
}

ScreenWatch::ScreenWatch(Machine& machine, const std::string& pattern)
    : m_machine(machine)
    , m_pattern(pattern, std::regex::ECMAScript)
{
}

Result<void> ScreenWatch::arm()
{
    TRY(m_machine.event_loop().add_timer(poll_interval, [this] { poll(); }));
    return {};
}

void ScreenWatch::poll()
{
    if (auto rows = m_machine.screen_text(); rows && std::regex_search(joined_rows(*rows), m_pattern)) {
        m_matched = true;
        m_machine.request_stop({ RunOutcome::Reason::ScreenMatched, 0, "" });
        return;
    }
    if (auto armed = arm(); !armed)
        m_machine.request_stop({ RunOutcome::Reason::Failure, 1, "--wait-screen: " + armed.error().message });
}

} // namespace spicebox
