#include "vmm/screenshot_command.h"

#include "base/log.h"
#include "spice-client-sdl/client_session.h"
#include "spice-common/png_writer.h"

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

namespace spicebox {

namespace {

constexpr double kMaxScreenshotTimeoutSeconds = 24 * 60 * 60;
constexpr std::chrono::milliseconds kPumpInterval { 50 };

Result<std::string_view> option_value(std::span<const std::string_view> args, size_t& index, std::string_view name)
{
    auto arg = args[index];
    if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=')
        return arg.substr(name.size() + 1);
    if (index + 1 >= args.size())
        return Error { "screenshot: " + std::string(name) + " needs a value" };
    return args[++index];
}

bool is_option(std::string_view arg, std::string_view name)
{
    return arg == name || (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=');
}

Result<std::string> read_password_file(const std::string& path)
{
    std::ifstream file(path);
    if (!file)
        return Error { "cannot read the password file " + path };
    std::string password;
    std::getline(file, password);
    return password;
}

} // namespace

Result<ScreenshotOptions> parse_screenshot_command(std::span<const std::string_view> args)
{
    ScreenshotOptions options;
    for (size_t i = 0; i < args.size(); ++i) {
        auto arg = args[i];
        if (arg == "-h" || arg == "--help") {
            options.help = true;
        } else if (arg == "-v" || arg == "--verbose") {
            options.verbose = true;
        } else if (is_option(arg, "-o") || is_option(arg, "--output")) {
            options.output = std::string(TRY(option_value(args, i, arg.starts_with("--") ? "--output" : "-o")));
        } else if (is_option(arg, "--password")) {
            options.password = std::string(TRY(option_value(args, i, "--password")));
        } else if (is_option(arg, "--password-file")) {
            options.password_file = std::string(TRY(option_value(args, i, "--password-file")));
        } else if (is_option(arg, "--timeout")) {
            auto text = TRY(option_value(args, i, "--timeout"));
            double seconds = 0;
            auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
            if (error != std::errc {} || end != text.data() + text.size() || !std::isfinite(seconds) || seconds <= 0
                || seconds > kMaxScreenshotTimeoutSeconds)
                return Error { "screenshot: --timeout needs a number of seconds above 0, not '" + std::string(text) + "'" };
            options.timeout_seconds = seconds;
        } else if (arg.starts_with("-")) {
            return Error { "screenshot: unknown option " + std::string(arg) + " (see spicebox screenshot --help)" };
        } else if (options.uri.empty()) {
            options.uri = std::string(arg);
        } else {
            return Error { "screenshot: one URI only, got '" + options.uri + "' and '" + std::string(arg) + "'" };
        }
    }
    if (options.help)
        return options;
    if (options.uri.empty())
        return Error { "screenshot: which server? spicebox screenshot spice://HOST:PORT -o out.png" };
    if (options.output.empty())
        return Error { "screenshot: -o PATH names the PNG to write" };
    if (options.password && options.password_file)
        return Error { "screenshot: --password and --password-file exclude each other" };
    return options;
}

std::string screenshot_help_text()
{
    return "Usage: spicebox screenshot URI -o PATH [--password P | --password-file F] [--timeout SECONDS]\n"
           "Connects to a SPICE server (spice://HOST:PORT or spice+unix:///PATH) as a headless client, waits for a\n"
           "complete frame (the primary surface drawn and no drawing for 300 ms) and writes it as a PNG.\n"
           "  -o, --output PATH      the PNG to write\n"
           "  --password P           the server's password (also spice://HOST:PORT?password=P)\n"
           "  --password-file F      the password as the first line of F\n"
           "  --timeout SECONDS      give up after this long (default 10)\n"
           "  -v, --verbose          log the session's messages on stderr\n"
           "Exit status: 0 the PNG was written, 1 connection, protocol or timeout error, 2 usage error.\n";
}

Result<void> run_screenshot(const ScreenshotOptions& options)
{
    auto client_options = TRY(parse_spice_uri(options.uri));
    if (options.verbose)
        set_log_level(LogLevel::Debug);
    if (options.password)
        client_options.password = options.password;
    if (options.password_file)
        client_options.password = TRY(read_password_file(*options.password_file));

    using Clock = std::chrono::steady_clock;
    auto start = Clock::now();
    auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.timeout_seconds));
    client_options.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto session = TRY(ClientSession::connect(client_options));
    uint64_t generation = session->screen_major_generation();
    auto last_change = Clock::now();
    for (;;) {
        auto now = Clock::now();
        if (now >= deadline) {
            std::string state = session->screen().width == 0 ? "no primary surface yet" : "the screen kept changing";
            return Error { "screenshot: no complete frame from " + options.uri + " within " + std::to_string(int(options.timeout_seconds))
                + " s (" + state + ")" };
        }
        auto wait = std::min(kPumpInterval, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
        TRY(session->pump(wait));
        now = Clock::now();
        if (session->screen_major_generation() != generation) {
            generation = session->screen_major_generation();
            last_change = now;
        }
        bool drawn = session->frame_complete() || session->primary_drawn();
        // A video frame still waiting for its time is part of the picture the server sent.
        if (drawn && session->screen().width > 0 && !session->video_frames_waiting() && now - last_change >= kScreenshotQuietTime)
            break;
    }
    return write_png(session->screen(), options.output);
}

} // namespace spicebox
