// `spicebox screenshot URI -o PNG [--password P | --password-file F] [--timeout S]`: a headless SPICE client
// that connects to any SPICE server, waits for a complete frame and writes it as a PNG.
#pragma once

#include "base/result.h"

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace spicebox {

constexpr double kDefaultScreenshotTimeoutSeconds = 10;
// A frame is complete once the primary exists, was drawn (and marked, for servers that mark it) and no
// drawing larger than a blinking text cursor arrived for this long.
constexpr std::chrono::milliseconds kScreenshotQuietTime { 300 };

struct ScreenshotOptions {
    std::string uri;
    std::string output;
    std::optional<std::string> password;
    std::optional<std::string> password_file;
    double timeout_seconds { kDefaultScreenshotTimeoutSeconds };
    bool help { false };
    bool verbose { false };
};

// args: what follows the word "screenshot".
Result<ScreenshotOptions> parse_screenshot_command(std::span<const std::string_view> args);
std::string screenshot_help_text();

// Connects, waits, writes the PNG; an error (or the timeout) is one line for main to print.
Result<void> run_screenshot(const ScreenshotOptions&);

} // namespace spicebox
