#include "vmm/spice_service.h"

#include "vmm/machine.h"

#include <fstream>
#include <iterator>

namespace spicebox {

std::vector<Rect> MachineScreen::update_screen(Framebuffer& screen) { return m_machine.update_screen(screen); }

SpiceService::SpiceService(Machine& machine)
    : m_loop(machine.event_loop())
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
    if (options.password)
        config.password = options.password;
    else if (options.password_file)
        config.password = TRY(read_spice_password_file(*options.password_file));
    std::unique_ptr<SpiceService> service(new SpiceService(machine));
    auto server = SpiceServer::create(service->m_loop, std::move(config), has_display ? &service->m_screen : nullptr, &machine.input_sink());
    if (!server)
        return wrap_error("--spice", server.error());
    service->m_server = std::move(*server);
    return service;
}

} // namespace spicebox
