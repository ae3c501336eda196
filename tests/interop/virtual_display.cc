#include "tests/interop/virtual_display.h"

#include "tests/integration/run_process.h"
#include "tests/support/xwd_reader.h"

#include <cstdio>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace spicebox::test {

VirtualDisplay::VirtualDisplay(std::unique_ptr<ChildProcess> server, std::string display)
    : m_server(std::move(server))
    , m_display_variable("DISPLAY=:" + display)
{
}

Result<std::unique_ptr<VirtualDisplay>> VirtualDisplay::start(uint32_t width, uint32_t height, std::chrono::seconds deadline)
{
    int number_pipe[2];
    if (pipe2(number_pipe, O_CLOEXEC) < 0)
        return Error { "cannot make a pipe for Xvfb's display number" };
    auto screen = std::to_string(width) + "x" + std::to_string(height) + "x24";
    // Xvfb writes the display number it took to fd 3 once it accepts connections. -noreset: by default an X
    // server resets when its last client leaves, and a viewer reopened right then cannot open the display.
    auto server = std::make_unique<ChildProcess>(std::vector<std::string> { kXvfb, "-displayfd", "3", "-noreset", "-screen", "0", screen, "-nolisten", "tcp" },
        ChildOptions { .environment = {}, .fd3 = number_pipe[1] });
    close(number_pipe[1]);
    std::string number;
    auto end = std::chrono::steady_clock::now() + deadline;
    while (server->started() && !number.ends_with('\n')) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        pollfd readable { number_pipe[0], POLLIN, 0 };
        if (left.count() <= 0 || poll(&readable, 1, int(left.count())) <= 0)
            break;
        char buffer[16];
        ssize_t count = read(number_pipe[0], buffer, sizeof buffer);
        if (count <= 0)
            break;
        number.append(buffer, size_t(count));
    }
    close(number_pipe[0]);
    if (!number.ends_with('\n'))
        return Error { "Xvfb did not report a display within " + std::to_string(deadline.count()) + " s: " + server->output() };
    number.pop_back();
    return std::unique_ptr<VirtualDisplay>(new VirtualDisplay(std::move(server), number));
}

Result<Framebuffer> VirtualDisplay::capture() const
{
    static int serial = 0;
    auto path = "/tmp/spicebox-interop-" + std::to_string(getpid()) + "-capture-" + std::to_string(++serial) + ".xwd";
    auto dump = run_process(
        { kXwd, "-root", "-silent", "-out", path }, std::chrono::seconds(20), { .environment = { m_display_variable }, .stdin_data = std::nullopt });
    if (dump.exit_code != 0) {
        std::remove(path.c_str());
        return Error { "xwd failed: " + describe(dump) };
    }
    auto picture = read_xwd(path);
    std::remove(path.c_str());
    return picture;
}

}
