#include "vmm/spice_service.h"

#include "base/log.h"
#include "vmm/machine.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sys/socket.h>
#include <unistd.h>

namespace spicebox {

std::vector<Rect> MachineScreen::update_screen(Framebuffer& screen) { return m_machine.update_screen(screen); }

SpiceService::SpiceService(Machine& machine)
    : m_event_loop(machine.event_loop())
    , m_loop(machine.event_loop())
    , m_screen(machine)
{
}

Result<std::string> read_spice_password_file(const std::string& path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return Error { "--spice: cannot read password-file " + path };
    std::string password((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (password.ends_with('\n'))
        password.pop_back();
    if (password.ends_with('\r'))
        password.pop_back();
    if (password.size() > kMaxSpicePasswordBytes)
        return Error { "--spice: the password in " + path + " is longer than SPICE's 60 bytes" };
    if (password.find('\0') != std::string::npos || password.find('\n') != std::string::npos)
        return Error { "--spice: the password in " + path + " must be one line without NUL bytes" };
    return password;
}

Result<std::unique_ptr<SpiceService>> SpiceService::start(Machine& machine, const SpiceOptions& options, bool has_display)
{
    SpiceServerConfig config;
    config.address = options.address;
    config.port = options.port;
    config.unix_path = options.unix_path;
    config.max_connections = options.max_connections;
    if (options.password)
        config.password = options.password;
    else if (options.password_file)
        config.password = TRY(read_spice_password_file(*options.password_file));
    return create(machine, std::move(config), has_display);
}

Result<std::unique_ptr<SpiceService>> SpiceService::start_in_process_only(Machine& machine, bool has_display)
{
    SpiceServerConfig config;
    config.listen = false;
    return create(machine, std::move(config), has_display);
}

Result<std::unique_ptr<SpiceService>> SpiceService::create(Machine& machine, SpiceServerConfig config, bool has_display)
{
    std::unique_ptr<SpiceService> service(new SpiceService(machine));
    service->m_password = config.password;
    auto server = SpiceServer::create(service->m_loop, std::move(config), has_display ? &service->m_screen : nullptr, &machine.input_sink());
    if (!server)
        return wrap_error("--spice", server.error());
    service->m_server = std::move(*server);
    if (auto* commands = machine.display_commands(); commands && has_display)
        TRY(service->m_server->attach_commands(*commands));
    if (auto* cursors = machine.cursor_commands(); cursors && has_display)
        TRY(service->m_server->attach_cursor(*cursors));
    return service;
}

Result<int> SpiceService::connect_in_process()
{
    int ends[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) < 0)
        return Error { std::string("socketpair failed: ") + std::strerror(errno) };
    int server_end = ends[1];
    // The server belongs to the loop's thread: it takes the socket there.
    m_event_loop.post([this, server_end] {
        if (auto added = m_server->add_connection(server_end); !added)
            LOG_WARN("spice", "the window's connection: %s", added.error().message.c_str());
    });
    return ends[0];
}

} // namespace spicebox
