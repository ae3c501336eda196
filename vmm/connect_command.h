// `spicebox connect URI`: the window alone, as a client of any SPICE server (spicebox --spice, QEMU's
// -spice), with no machine.
#pragma once

#include "base/result.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace spicebox {

struct ConnectOptions {
    std::string uri;                        // spice://HOST:PORT or spice+unix:///PATH
    std::optional<std::string> password;      // --password P
    std::optional<std::string> password_file; // --password-file F
    bool help { false };                      // -h/--help
};

// `args` are those after "connect". A failure is one line naming the problem (exit status 2).
Result<ConnectOptions> parse_connect_command_line(std::span<const std::string_view> args);

std::string connect_help_text(std::string_view program_name);

// The whole subcommand: parses `args`, connects, shows the window until it is closed (exit 0) or the
// session ends (1); a bad command line is 2.
int run_connect_command(std::span<const std::string_view> args);

} // namespace spicebox
