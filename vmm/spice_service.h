// --spice: the SPICE server on the machine's event loop, with what connects the machine to the server's
// interfaces (the event loop as its ServerLoop, the machine's screen as its FramebufferSource, its PS/2 devices as
// its InputSink).
#pragma once

#include "base/result.h"
#include "spice-server/spice_server.h"
#include "vmm/command_line.h"
#include "vmm/event_loop.h"

#include <memory>

namespace spicebox {

class Machine;

class EventLoopServerLoop final : public ServerLoop {
public:
    explicit EventLoopServerLoop(EventLoop& loop) : m_loop(loop) { }

    Result<void> watch(int fd, Callback on_ready) override { return m_loop.watch_readable(fd, std::move(on_ready)); }
    Result<void> set_write_interest(int fd, bool enabled) override { return m_loop.set_write_interest(fd, enabled); }
    void unwatch(int fd) override { m_loop.unwatch(fd); }
    Result<int> add_timer(std::chrono::nanoseconds delay, Callback callback) override
    {
        return m_loop.add_timer(delay, std::move(callback));
    }
    void cancel_timer(int id) override { m_loop.cancel_timer(id); }

private:
    EventLoop& m_loop;
};

class MachineScreen final : public FramebufferSource {
public:
    explicit MachineScreen(Machine& machine) : m_machine(machine) { }

    std::vector<Rect> update_screen(Framebuffer& screen) override;

private:
    Machine& m_machine;
};

// The server and its adapters; destroy it before the machine.
class SpiceService {
public:
    // Reads password-file, listens, and registers with the machine's event loop. `has_display` false
    // (--vga none) offers no display channel.
    static Result<std::unique_ptr<SpiceService>> start(Machine&, const SpiceOptions&, bool has_display);
    // A server without a listener, for the in-process window only (--display sdl without --spice).
    static Result<std::unique_ptr<SpiceService>> start_in_process_only(Machine&, bool has_display);

    const std::string& uri() const { return m_server->uri(); }
    // The ticket a client must present; nullopt when ticketing is off.
    const std::optional<std::string>& password() const { return m_password; }
    // A connection to the server from inside the process: one end of a socketpair, whose other end the
    // server takes on its loop's thread and serves like an accepted client. Any thread.
    Result<int> connect_in_process();

private:
    explicit SpiceService(Machine&);
    static Result<std::unique_ptr<SpiceService>> create(Machine&, SpiceServerConfig, bool has_display);

    EventLoop& m_event_loop;
    EventLoopServerLoop m_loop;
    MachineScreen m_screen;
    std::unique_ptr<SpiceServer> m_server;
    std::optional<std::string> m_password;
};

// The password in a password file: its bytes up to a final line break.
Result<std::string> read_spice_password_file(const std::string& path);

} // namespace spicebox
