// A client for QEMU's machine protocol (QMP) on a unix socket, as much as the tests need: connect
// while QEMU starts, leave capabilities negotiation, run a command and wait for its answer.
#pragma once

#include "base/result.h"

#include <chrono>
#include <string>

namespace spicebox::test {

class QmpClient {
public:
    // Retries until QEMU listens on `socket_path` or the deadline passes, then negotiates.
    static Result<QmpClient> connect(const std::string& socket_path, std::chrono::milliseconds deadline);

    QmpClient(QmpClient&& other) noexcept;
    QmpClient& operator=(QmpClient&&) = delete;
    ~QmpClient();

    // Sends {"execute": name, "arguments": arguments_json} (no arguments when empty) and returns
    // the answer's line; an error answer, a closed socket or the deadline is an Error. Events that
    // arrive before the answer are skipped.
    Result<std::string> execute(const std::string& name, const std::string& arguments_json,
        std::chrono::milliseconds deadline = std::chrono::seconds(30));

private:
    explicit QmpClient(int fd) : m_fd(fd) { }
    Result<std::string> read_line(std::chrono::steady_clock::time_point deadline);

    int m_fd { -1 };
    std::string m_buffer;
};

// A JSON string literal for `text` (quotes and backslashes escaped).
std::string json_string(const std::string& text);

}
