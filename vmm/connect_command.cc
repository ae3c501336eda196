#include "vmm/connect_command.h"

#include "spice-client-sdl/client_session.h"
#include "spice-client-sdl/sdl_window.h"
#include "vmm/command_line.h"
#include "vmm/spice_service.h"

#include <cstdio>

namespace spicebox {

namespace {

enum ExitStatus {
    kExitOk = 0,
    kExitRuntimeError = 1,
    kExitUsage = 2,
};

bool is_option(std::string_view arg, std::string_view name)
{
    return arg == name || (arg.starts_with(name) && arg.size() > name.size() && arg[name.size()] == '=');
}

// Both "--opt VALUE" and "--opt=VALUE", as the main command line takes them.
std::optional<std::string_view> option_value(std::span<const std::string_view> args, size_t& index, std::string_view name)
{
    std::string_view arg = args[index];
    if (arg.starts_with(name) && arg.size() > name.size() && arg[name.size()] == '=')
        return arg.substr(name.size() + 1);
    if (arg == name && index + 1 < args.size())
        return args[++index];
    return std::nullopt;
}

int fail(int status, const std::string& message)
{
    std::fprintf(stderr, "spicebox connect: %s\n", message.c_str());
    return status;
}

}

Result<ConnectOptions> parse_connect_command_line(std::span<const std::string_view> args)
{
    ConnectOptions options;
    for (size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (arg == "-h" || arg == "--help") {
            options.help = true;
        } else if (is_option(arg, "--password-file")) {
            auto value = option_value(args, i, "--password-file");
            if (!value)
                return Error { "--password-file needs a path" };
            options.password_file = std::string(*value);
        } else if (is_option(arg, "--password")) {
            auto value = option_value(args, i, "--password");
            if (!value)
                return Error { "--password needs a value" };
            if (value->size() > kMaxSpicePasswordBytes)
                return Error { "--password is longer than SPICE's 60 bytes" };
            options.password = std::string(*value);
        } else if (arg.starts_with("-")) {
            return Error { "unknown option '" + std::string(arg) + "' (see spicebox connect --help)" };
        } else if (!options.uri.empty()) {
            return Error { "one URI only ('" + options.uri + "' and '" + std::string(arg) + "')" };
        } else {
            options.uri = std::string(arg);
        }
    }
    if (options.help)
        return options;
    if (options.uri.empty())
        return Error { "which server? give its URI, e.g. spice://localhost:5900" };
    if (options.password && options.password_file)
        return Error { "--password and --password-file cannot be used together (choose one)" };
    return options;
}

std::string connect_help_text(std::string_view program_name)
{
    std::string program(program_name);
    return "Usage: " + program + " connect URI [--password P | --password-file F]\n"
        "Shows a SPICE server's display in a window and sends it the keyboard and mouse: spicebox's own\n"
        "(--spice) or any other, QEMU's included (-spice port=N).\n"
        "\n"
        "  URI                  spice://HOST:PORT, spice://HOST?port=PORT or spice+unix:///PATH\n"
        "  --password P         the server's ticket (password=P on its side)\n"
        "  --password-file F    the ticket from file F (its first line)\n"
        "  -h, --help           this text\n"
        "\n"
        "A click in the window captures the mouse (the title says so); Ctrl+Alt+G releases it. When the server\n"
        "offers client mouse mode the pointer is shared instead and nothing is captured.\n"
        "\n"
        "Exit status: 0 the window was closed; 1 the connection failed or ended; 2 usage error.\n";
}

int run_connect_command(std::span<const std::string_view> args)
{
    auto parsed = parse_connect_command_line(args);
    if (!parsed)
        return fail(kExitUsage, parsed.error().message);
    if (parsed->help) {
        std::fputs(connect_help_text("spicebox").c_str(), stdout);
        return kExitOk;
    }
    auto client = parse_spice_uri(parsed->uri);
    if (!client)
        return fail(kExitUsage, client.error().message);
    if (parsed->password) {
        client->password = parsed->password;
    } else if (parsed->password_file) {
        auto password = read_spice_password_file(*parsed->password_file);
        if (!password)
            return fail(kExitRuntimeError, password.error().message);
        client->password = *password;
    }
    auto session = ClientSession::connect(*client);
    if (!session)
        return fail(kExitRuntimeError, parsed->uri + ": " + session.error().message);
    auto window = SdlWindow::open("");
    if (!window)
        return fail(kExitRuntimeError, window.error().message);
    auto ended = (*window)->run(**session, [] { return true; });
    if (!ended)
        return fail(kExitRuntimeError, parsed->uri + ": " + ended.error().message);
    return kExitOk;
}

} // namespace spicebox
