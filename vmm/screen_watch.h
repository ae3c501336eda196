// --wait-screen: watches the guest's text screen from the event loop and ends the run once it matches.
#pragma once

#include "base/result.h"
#include "vmm/machine.h"

#include <atomic>
#include <chrono>
#include <regex>
#include <string>
#include <vector>

namespace spicebox {

// The rows joined by newlines (none after the last): what --wait-screen matches and --screen-text writes.
std::string joined_rows(const std::vector<std::string>& rows);

// Looks at the text screen every poll_interval from the event loop's thread; graphics modes never match.
class ScreenWatch {
public:
    static constexpr auto poll_interval = std::chrono::milliseconds(75);

    ScreenWatch(Machine&, const std::string& pattern);

    Result<void> start() { return arm(); }
    bool matched() const { return m_matched; }

private:
    Result<void> arm();
    void poll();

    Machine& m_machine;
    std::regex m_pattern;
    std::atomic<bool> m_matched { false };
};

} // namespace spicebox
