// spicebox running in the background with --spice, for tests that point real SPICE clients at it: it
// is started, its URI read from the "SPICE server listening on" line on stderr, and stopped with SIGTERM.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace spicebox::test {

class SpiceboxProcess {
public:
    // Starts `spicebox arguments...` and waits up to `deadline` for the listening line.
    SpiceboxProcess(const std::string& spicebox, const std::vector<std::string>& arguments,
        std::chrono::seconds deadline = std::chrono::seconds(30));
    ~SpiceboxProcess();

    // Empty when spicebox ended (or said nothing) before it listened.
    const std::string& uri() const { return m_uri; }
    // The port of a spice://HOST:PORT uri.
    std::string port() const;
    // Reads spicebox's output until stdout contains `text`; false if it did not within `deadline`.
    bool wait_for_output(const std::string& text, std::chrono::seconds deadline);
    // The same for stderr (the log).
    bool wait_for_log(const std::string& text, std::chrono::seconds deadline);
    // Reads what spicebox wrote so far, waiting at most `timeout_ms` for something.
    void poll_output(int timeout_ms) { read_available(timeout_ms); }
    pid_t pid() const { return m_pid; }
    // False once spicebox has ended on its own (a test that expects it running says so with its log).
    bool running();
    // How it ended ("exit 1", "killed by signal 11 (Segmentation fault)"), once running() said it did.
    std::string end_description() const;
    // SIGTERM, then everything it wrote; returns its exit status.
    int stop();
    const std::string& out() const { return m_out; }
    const std::string& err() const { return m_err; }

private:
    void read_available(int timeout_ms);

    pid_t m_pid { -1 };
    std::optional<int> m_wait_status; // set once reaped
    int m_out_fd { -1 };
    int m_err_fd { -1 };
    std::string m_out;
    std::string m_err;
    std::string m_uri;
};

}
