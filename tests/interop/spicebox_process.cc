#include "tests/interop/spicebox_process.h"

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace spicebox::test {

namespace {

constexpr std::string_view kListening = "SPICE server listening on ";

std::string first_line(const std::filesystem::path& path)
{
    std::ifstream stream(path);
    std::string line;
    std::getline(stream, line);
    return line;
}

// What each thread of `pid` is doing, for a process that hangs: "name state wchan; ...".
std::string thread_states(pid_t pid)
{
    std::string states;
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
        auto stat = first_line(task.path() / "stat");
        auto state_at = stat.rfind(") ");
        char state = state_at != std::string::npos && state_at + 2 < stat.size() ? stat[state_at + 2] : '?';
        states += first_line(task.path() / "comm") + " " + state + " " + first_line(task.path() / "wchan") + "; ";
    }
    return states;
}

}

SpiceboxProcess::SpiceboxProcess(const std::string& spicebox, const std::vector<std::string>& arguments, std::chrono::seconds deadline)
{
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0)
        return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    std::vector<std::string> argv { spicebox };
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    std::vector<char*> args;
    for (auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    int spawned = posix_spawn(&m_pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    m_out_fd = out_pipe[0];
    m_err_fd = err_pipe[0];
    if (spawned != 0) {
        m_pid = -1;
        m_err = "cannot start " + spicebox;
        return;
    }
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end && m_err_fd >= 0) {
        read_available(100);
        auto found = m_err.find(kListening);
        if (found != std::string::npos) {
            auto line_end = m_err.find('\n', found);
            if (line_end != std::string::npos) {
                m_uri = m_err.substr(found + kListening.size(), line_end - found - kListening.size());
                return;
            }
        }
    }
}

SpiceboxProcess::~SpiceboxProcess() { stop(); }

void SpiceboxProcess::read_available(int timeout_ms)
{
    pollfd fds[2] = { { m_out_fd, POLLIN, 0 }, { m_err_fd, POLLIN, 0 } };
    int* owners[2] = { &m_out_fd, &m_err_fd };
    std::string* sinks[2] = { &m_out, &m_err };
    if (poll(fds, 2, timeout_ms) <= 0)
        return;
    for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        char buffer[4096];
        ssize_t count = read(fds[i].fd, buffer, sizeof buffer);
        if (count > 0) {
            sinks[i]->append(buffer, size_t(count));
        } else {
            close(fds[i].fd);
            *owners[i] = -1;
        }
    }
}

bool SpiceboxProcess::wait_for_output(const std::string& text, std::chrono::seconds deadline)
{
    auto end = std::chrono::steady_clock::now() + deadline;
    while (m_out.find(text) == std::string::npos) {
        if (std::chrono::steady_clock::now() >= end || (m_out_fd < 0 && m_err_fd < 0))
            return false;
        read_available(50);
    }
    return true;
}

bool SpiceboxProcess::wait_for_log(const std::string& text, std::chrono::seconds deadline)
{
    auto end = std::chrono::steady_clock::now() + deadline;
    while (m_err.find(text) == std::string::npos) {
        if (std::chrono::steady_clock::now() >= end || (m_out_fd < 0 && m_err_fd < 0))
            return false;
        read_available(50);
    }
    return true;
}

std::string SpiceboxProcess::port() const { return m_uri.substr(m_uri.rfind(':') + 1); }

bool SpiceboxProcess::running()
{
    if (m_pid < 0 || m_wait_status)
        return false;
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) != m_pid)
        return true;
    m_wait_status = status;
    read_available(0);
    return false;
}

std::string SpiceboxProcess::end_description() const
{
    if (!m_wait_status)
        return "still running";
    int status = *m_wait_status;
    if (WIFEXITED(status))
        return "exit " + std::to_string(WEXITSTATUS(status));
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
}

int SpiceboxProcess::stop()
{
    if (m_pid < 0)
        return -1;
    if (!m_wait_status)
        kill(m_pid, SIGTERM);
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while ((m_out_fd >= 0 || m_err_fd >= 0) && std::chrono::steady_clock::now() < end)
        read_available(100);
    if ((m_out_fd >= 0 || m_err_fd >= 0) && !m_wait_status) {
        m_err += "[test] spicebox did not end within 20 s of SIGTERM; its threads (name, state, kernel wait): "
            + thread_states(m_pid) + "\n";
        kill(m_pid, SIGKILL);
    }
    for (int* fd : { &m_out_fd, &m_err_fd }) {
        if (*fd >= 0)
            close(*fd);
        *fd = -1;
    }
    int status = 0;
    if (m_wait_status)
        status = *m_wait_status;
    else
        waitpid(m_pid, &status, 0);
    m_pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}
