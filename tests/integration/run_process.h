// Runs a command with a deadline and collects its exit status, stdout and stderr.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace spicebox::test {

struct ProcessResult {
    int exit_code { -1 };  // the exit status, or 128 + signal
    bool timed_out { false };
    std::string out;
    std::string err;
    std::chrono::milliseconds elapsed { 0 };
};

struct ProcessInput {
    std::vector<std::string> environment; // NAME=VALUE entries that replace or add to this process's environment
    std::optional<std::string> stdin_data; // given through a pipe; stdin is /dev/null without it
};

ProcessResult run_process(const std::vector<std::string>& argv, std::chrono::seconds deadline, const ProcessInput& = {});

// Paths given on the integration suite's command line.
const std::string& spicebox_path();
const std::string& linux_guest_dir();
const std::string& guest_images_dir();

// spicebox with these arguments, under a deadline.
ProcessResult run_spicebox(const std::vector<std::string>& arguments, std::chrono::seconds deadline = std::chrono::seconds(60),
    const ProcessInput& = {});

// Exit status, timing and output, for a test's failure message.
std::string describe(const ProcessResult&);

}
