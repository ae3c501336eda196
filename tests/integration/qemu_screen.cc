#include "tests/integration/qemu_screen.h"

#include "tests/integration/kvm_requirement.h"
#include "tests/integration/qmp_client.h"
#include "tests/interop/child_process.h"
#include "tests/support/ppm_reader.h"
#include "tests/support/socket_path.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <thread>
#include <unistd.h>

namespace spicebox::test {

std::string qemu_path()
{
    const char* path = std::getenv("PATH");
    std::string directories = path ? path : "/usr/bin";
    size_t start = 0;
    while (start <= directories.size()) {
        size_t end = directories.find(':', start);
        if (end == std::string::npos)
            end = directories.size();
        std::string candidate = directories.substr(start, end - start) + "/qemu-system-x86_64";
        if (access(candidate.c_str(), X_OK) == 0)
            return candidate;
        start = end + 1;
    }
    return {};
}

Result<Framebuffer> qemu_screen_at(const std::string& name, const std::vector<std::string>& arguments, const std::string& ready,
    std::chrono::seconds deadline)
{
    auto prefix = "spicebox-qemu-" + std::to_string(getpid()) + "-" + name;
    auto qmp_socket = socket_path(prefix + ".qmp");
    auto serial = "/tmp/" + prefix + ".serial";
    auto dump = "/tmp/" + prefix + ".ppm";
    std::vector<std::string> argv { qemu_path(), "-accel", qemu_accelerator(), "-display", "none", "-serial", "file:" + serial, "-qmp",
        "unix:" + qmp_socket + ",server=on,wait=off" };
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    ChildProcess qemu(argv);
    if (!qemu.started())
        return Error { "QEMU did not start" };
    auto qmp = TRY(QmpClient::connect(qmp_socket, std::chrono::seconds(10)));
    auto end = std::chrono::steady_clock::now() + deadline;
    std::string output;
    while (output.find(ready) == std::string::npos) {
        if (std::chrono::steady_clock::now() > end || !qemu.running())
            return Error { "no \"" + ready + "\" on serial; serial: " + output + "; QEMU: " + qemu.output() };
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        std::ifstream file(serial);
        output.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    }
    TRY(qmp.execute("screendump", "{\"filename\": " + json_string(dump) + "}"));
    auto screen = read_ppm(dump);
    std::remove(dump.c_str());
    std::remove(serial.c_str());
    std::remove(qmp_socket.c_str());
    return screen;
}

}
