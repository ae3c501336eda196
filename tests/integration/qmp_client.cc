#include "tests/integration/qmp_client.h"

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

namespace spicebox::test {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRetryInterval = std::chrono::milliseconds(20);
// A QMP answer or event is one line; a longer one means something else is on the socket.
constexpr size_t kMaxLineBytes = 1 << 20;

bool write_all(int fd, const std::string& text)
{
    size_t sent = 0;
    while (sent < text.size()) {
        ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        sent += size_t(n);
    }
    return true;
}

}

std::string json_string(const std::string& text)
{
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"' || c == '\\')
            quoted += '\\';
        quoted += c;
    }
    return quoted + "\"";
}

Result<QmpClient> QmpClient::connect(const std::string& socket_path, std::chrono::milliseconds deadline)
{
    sockaddr_un address {};
    address.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof address.sun_path)
        return Error { "QMP socket path too long: " + socket_path };
    std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
    auto end = Clock::now() + deadline;
    for (;;) {
        int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return Error { std::string("socket: ") + std::strerror(errno) };
        if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0) {
            QmpClient client(fd);
            TRY(client.read_line(end)); // the greeting
            TRY(client.execute("qmp_capabilities", "", std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now())));
            return client;
        }
        ::close(fd);
        if (Clock::now() >= end)
            return Error { "QEMU did not listen on " + socket_path };
        std::this_thread::sleep_for(kRetryInterval);
    }
}

QmpClient::QmpClient(QmpClient&& other) noexcept
    : m_fd(other.m_fd)
    , m_buffer(std::move(other.m_buffer))
{
    other.m_fd = -1;
}

QmpClient::~QmpClient()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

Result<std::string> QmpClient::read_line(Clock::time_point deadline)
{
    for (;;) {
        if (auto end = m_buffer.find('\n'); end != std::string::npos) {
            std::string line = m_buffer.substr(0, end);
            m_buffer.erase(0, end + 1);
            return line;
        }
        if (m_buffer.size() > kMaxLineBytes)
            return Error { "QMP line longer than " + std::to_string(kMaxLineBytes) + " bytes" };
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0)
            return Error { "no answer from QMP in time" };
        pollfd descriptor { m_fd, POLLIN, 0 };
        int ready = ::poll(&descriptor, 1, int(left));
        if (ready < 0 && errno != EINTR)
            return Error { std::string("poll: ") + std::strerror(errno) };
        if (ready <= 0)
            continue;
        char chunk[4096];
        ssize_t n = ::recv(m_fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return Error { "QMP socket closed" };
        m_buffer.append(chunk, size_t(n));
    }
}

Result<std::string> QmpClient::execute(const std::string& name, const std::string& arguments_json,
    std::chrono::milliseconds deadline)
{
    std::string request = "{\"execute\": " + json_string(name);
    if (!arguments_json.empty())
        request += ", \"arguments\": " + arguments_json;
    request += "}\n";
    if (!write_all(m_fd, request))
        return Error { "QMP socket closed while sending " + name };
    auto end = Clock::now() + deadline;
    for (;;) {
        std::string line = TRY(read_line(end));
        if (line.starts_with("{\"return\""))
            return line;
        if (line.starts_with("{\"error\""))
            return Error { name + ": " + line };
    }
}

}
