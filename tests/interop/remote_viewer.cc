#include "tests/interop/remote_viewer.h"

#include <cstdio>
#include <fstream>
#include <thread>
#include <unistd.h>

namespace spicebox::test {

namespace {

constexpr auto kCaptureInterval = std::chrono::milliseconds(200);

}

RemoteViewer::RemoteViewer(const VirtualDisplay& display, const std::string& port, const std::optional<std::string>& password)
{
    static int serial = 0;
    m_connection_file = "/tmp/spicebox-interop-" + std::to_string(getpid()) + "-viewer-" + std::to_string(++serial) + ".vv";
    {
        std::ofstream file(m_connection_file);
        file << "[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=" << port << "\n";
        if (password)
            file << "password=" << *password << "\n";
    }
    // No accessibility bus or session services exist under Xvfb; without these GTK waits for them.
    m_process = std::make_unique<ChildProcess>(std::vector<std::string> { kRemoteViewer, m_connection_file },
        ChildOptions { .environment = { display.display_variable(), "GDK_BACKEND=x11", "NO_AT_BRIDGE=1", "GTK_A11Y=none" }, .fd3 = std::nullopt });
}

RemoteViewer::~RemoteViewer()
{
    m_process.reset();
    std::remove(m_connection_file.c_str());
}

Result<PictureFound> wait_for_picture(const VirtualDisplay& display, const Framebuffer& expected, std::chrono::seconds deadline)
{
    auto start = std::chrono::steady_clock::now();
    for (;;) {
        auto screen = TRY(display.capture());
        if (auto found = find_picture(screen, expected)) {
            return PictureFound { *found,
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start) };
        }
        if (std::chrono::steady_clock::now() - start >= deadline)
            return Error { "the " + std::to_string(expected.width) + "x" + std::to_string(expected.height) + " picture did not appear on the "
                + std::to_string(screen.width) + "x" + std::to_string(screen.height) + " X screen within " + std::to_string(deadline.count())
                + " s" };
        std::this_thread::sleep_for(kCaptureInterval);
    }
}

Result<std::chrono::milliseconds> wait_for_motion(const VirtualDisplay& display, std::chrono::milliseconds interval, std::chrono::seconds deadline)
{
    auto start = std::chrono::steady_clock::now();
    auto before = TRY(display.capture());
    for (;;) {
        std::this_thread::sleep_for(interval);
        auto after = TRY(display.capture());
        if (pictures_differ(before, after))
            return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
        if (std::chrono::steady_clock::now() - start >= deadline)
            return Error { "the X screen did not change for " + std::to_string(deadline.count()) + " s" };
        before = std::move(after);
    }
}

}
