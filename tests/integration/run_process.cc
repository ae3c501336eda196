#include "tests/integration/run_process.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string_view>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <doctest/doctest.h>

extern char** environ;

namespace spicebox::test {

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::seconds deadline, const ProcessInput& input)
{
    ProcessResult result;
    int out_pipe[2], err_pipe[2], in_pipe[2] = { -1, -1 };
    if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0)
        return result;
    if (input.stdin_data && pipe2(in_pipe, O_CLOEXEC) < 0)
        return result;

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (input.stdin_data)
        posix_spawn_file_actions_adddup2(&actions, in_pipe[0], STDIN_FILENO);
    else
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
    std::vector<char*> args;
    for (auto& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    // The entries given replace this process's of the same name (getenv takes the first).
    auto overridden = [&input](std::string_view entry) {
        auto name = entry.substr(0, entry.find('=') + 1);
        for (auto& given : input.environment) {
            if (std::string_view(given).starts_with(name))
                return true;
        }
        return false;
    };
    std::vector<char*> env;
    for (char** entry = environ; *entry; ++entry) {
        if (!overridden(*entry))
            env.push_back(*entry);
    }
    for (auto& entry : input.environment)
        env.push_back(const_cast<char*>(entry.c_str()));
    env.push_back(nullptr);

    auto start = std::chrono::steady_clock::now();
    pid_t pid = -1;
    int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), env.data());
    posix_spawn_file_actions_destroy(&actions);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (input.stdin_data) {
        // Small enough for the pipe's buffer: written whole, then closed so the child sees the end.
        close(in_pipe[0]);
        [[maybe_unused]] auto written = write(in_pipe[1], input.stdin_data->data(), input.stdin_data->size());
        close(in_pipe[1]);
    }
    if (spawned != 0) {
        close(out_pipe[0]);
        close(err_pipe[0]);
        result.err = "cannot start " + argv[0] + ": " + std::strerror(spawned);
        return result;
    }

    pollfd fds[2] = { { out_pipe[0], POLLIN, 0 }, { err_pipe[0], POLLIN, 0 } };
    std::string* sinks[2] = { &result.out, &result.err };
    int open_pipes = 2;
    auto end = start + deadline;
    while (open_pipes > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, int(left.count())) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buffer[4096];
            ssize_t count = read(fds[i].fd, buffer, sizeof buffer);
            if (count > 0) {
                sinks[i]->append(buffer, size_t(count));
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_pipes;
            }
        }
    }
    for (auto& fd : fds) {
        if (fd.fd >= 0)
            close(fd.fd);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

ProcessResult run_spicebox(const std::vector<std::string>& arguments, std::chrono::seconds deadline, const ProcessInput& input)
{
    std::vector<std::string> argv { spicebox_path() };
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run_process(argv, deadline, input);
}

std::string describe(const ProcessResult& result)
{
    return "exit " + std::to_string(result.exit_code) + (result.timed_out ? " (killed at the test's deadline)" : "")
        + " after " + std::to_string(result.elapsed.count()) + " ms\n--- stdout:\n" + result.out + "--- stderr:\n" + result.err;
}

}
