#include "tests/interop/child_process.h"

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace spicebox::test {

namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr int kPassedFd = 3;

int exit_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const ChildOptions& options)
{
    static int serial = 0;
    m_output_path = "/tmp/spicebox-interop-" + std::to_string(getpid()) + "-child-" + std::to_string(++serial) + ".log";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, m_output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    if (options.fd3)
        posix_spawn_file_actions_adddup2(&actions, *options.fd3, kPassedFd);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attributes, 0);
    std::vector<char*> args;
    for (auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    std::vector<char*> env;
    for (char** entry = environ; *entry; ++entry)
        env.push_back(*entry);
    for (auto& entry : options.environment)
        env.push_back(const_cast<char*>(entry.c_str()));
    env.push_back(nullptr);
    if (posix_spawn(&m_pid, args[0], &actions, &attributes, args.data(), env.data()) != 0)
        m_pid = -1;
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
}

ChildProcess::~ChildProcess()
{
    stop();
    std::remove(m_output_path.c_str());
}

bool ChildProcess::running()
{
    if (m_pid <= 0 || m_status)
        return false;
    int status = 0;
    if (waitpid(m_pid, &status, WNOHANG) != m_pid)
        return true;
    m_status = exit_status(status);
    // Whatever it started goes with it.
    kill(-m_pid, SIGKILL);
    return false;
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds deadline)
{
    auto end = std::chrono::steady_clock::now() + deadline;
    while (running()) {
        if (std::chrono::steady_clock::now() >= end)
            return std::nullopt;
        std::this_thread::sleep_for(kPollInterval);
    }
    return m_status;
}

int ChildProcess::stop(std::chrono::milliseconds grace)
{
    if (m_pid <= 0)
        return -1;
    if (running()) {
        kill(-m_pid, SIGTERM);
        if (!wait(grace)) {
            kill(-m_pid, SIGKILL);
            int status = 0;
            waitpid(m_pid, &status, 0);
            m_status = exit_status(status);
        }
    }
    return m_status.value_or(-1);
}

std::string ChildProcess::output() const
{
    std::ifstream stream(m_output_path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
}

}
