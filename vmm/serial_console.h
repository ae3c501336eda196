// The host end of COM1: guest output to stdout or a file, --wait-serial matching on that output, and
// stdin fed to the guest when it is a terminal or a pipe.
#pragma once

#include "base/result.h"
#include "vmm/file_descriptor.h"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <termios.h>

namespace spicebox {

class SerialConsole {
public:
    enum class Output { Stdout, None, File };

    static Result<std::unique_ptr<SerialConsole>> create(Output, const std::string& path, const std::optional<std::string>& wait_pattern,
        std::function<void()> on_match);
    ~SerialConsole();

    // One byte the guest transmitted (vCPU thread).
    void transmit(uint8_t byte);
    bool matched() const;

    // stdin, if it should feed the guest: a terminal (switched to character-at-a-time, no echo) or a pipe/file.
    // -1 when stdin is absent or something else (e.g. /dev/null under CI).
    int input_fd() const { return m_input_fd; }

private:
    SerialConsole() = default;
    void match_line();

    Output m_output { Output::Stdout };
    FileDescriptor m_file;
    int m_input_fd { -1 };
    std::optional<termios> m_saved_terminal;

    mutable std::mutex m_mutex;
    std::optional<std::regex> m_pattern;
    std::string m_line;
    bool m_matched { false };
    std::function<void()> m_on_match;
};

} // namespace spicebox
