// A program an interop test keeps running in the background (an X server, a SPICE viewer): its own
// process group, so stopping it leaves nothing behind; its output goes to a file the test can read.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace spicebox::test {

struct ChildOptions {
    std::vector<std::string> environment; // NAME=VALUE entries added to this process's environment
    std::optional<int> fd3;               // given to the child as its file descriptor 3
};

class ChildProcess {
public:
    // Starts `argv` (argv[0] a path) with stdout and stderr going to a temporary file.
    ChildProcess(const std::vector<std::string>& argv, const ChildOptions& = {});
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    bool started() const { return m_pid > 0; }
    // True while it has not exited (reaps it when it has).
    bool running();
    // Waits up to `deadline` for it to exit; its exit status (128 + signal when killed), or nullopt.
    std::optional<int> wait(std::chrono::milliseconds deadline);
    // SIGTERM to its process group, SIGKILL after `grace`; returns its exit status.
    int stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    // Everything it wrote so far on stdout and stderr.
    std::string output() const;

private:
    pid_t m_pid { -1 };
    std::optional<int> m_status;
    std::string m_output_path;
};

}
