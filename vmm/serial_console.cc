#include "vmm/serial_console.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace spicebox {

namespace {

// --wait-serial looks at one line at a time; an endless line is matched on its last part.
constexpr size_t kMaxLineLength = 4096;

}

Result<std::unique_ptr<SerialConsole>> SerialConsole::create(Output output, const std::string& path,
    const std::optional<std::string>& wait_pattern, std::function<void()> on_match)
{
    std::unique_ptr<SerialConsole> console(new SerialConsole);
    console->m_output = output;
    console->m_on_match = std::move(on_match);
    if (output == Output::File) {
        console->m_file = FileDescriptor(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (!console->m_file.valid())
            return Error { "--serial: cannot write " + path + ": " + std::strerror(errno) };
    }
    if (wait_pattern) {
        try {
            console->m_pattern.emplace(*wait_pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& error) {
            return Error { "--wait-serial: bad regular expression '" + *wait_pattern + "': " + error.what() };
        }
    }

    struct stat info {};
    if (output == Output::Stdout && fstat(STDIN_FILENO, &info) == 0) {
        if (isatty(STDIN_FILENO)) {
            termios terminal {};
            if (tcgetattr(STDIN_FILENO, &terminal) == 0) {
                console->m_saved_terminal = terminal;
                // Keys go to the guest as typed; ISIG stays so Ctrl-C still stops spicebox.
                terminal.c_lflag &= ~(ICANON | ECHO | IEXTEN);
                terminal.c_iflag &= ~(ICRNL | IXON);
                terminal.c_cc[VMIN] = 1;
                terminal.c_cc[VTIME] = 0;
                tcsetattr(STDIN_FILENO, TCSANOW, &terminal);
                console->m_input_fd = STDIN_FILENO;
            }
        } else if (S_ISFIFO(info.st_mode) || S_ISREG(info.st_mode) || S_ISSOCK(info.st_mode)) {
            console->m_input_fd = STDIN_FILENO;
        }
    }
    return console;
}

SerialConsole::~SerialConsole()
{
    if (m_saved_terminal)
        tcsetattr(STDIN_FILENO, TCSANOW, &*m_saved_terminal);
}

void SerialConsole::transmit(uint8_t byte)
{
    if (m_output == Output::Stdout)
        [[maybe_unused]] auto written = ::write(STDOUT_FILENO, &byte, 1);
    else if (m_output == Output::File)
        [[maybe_unused]] auto written = ::write(m_file.get(), &byte, 1);

    if (!m_pattern)
        return;
    std::function<void()> notify;
    {
        std::lock_guard lock(m_mutex);
        if (m_matched)
            return;
        if (byte == '\n') {
            match_line();
            m_line.clear();
        } else if (byte != '\r') {
            if (m_line.size() >= kMaxLineLength)
                m_line.erase(0, m_line.size() - kMaxLineLength / 2);
            m_line.push_back(char(byte));
            match_line();
        }
        if (m_matched)
            notify = m_on_match;
    }
    if (notify)
        notify();
}

void SerialConsole::match_line()
{
    if (std::regex_search(m_line, *m_pattern))
        m_matched = true;
}

bool SerialConsole::matched() const
{
    std::lock_guard lock(m_mutex);
    return m_matched;
}

} // namespace spicebox
