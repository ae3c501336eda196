// The listening socket clients connect to: TCP on an address and port, or a unix socket path. Accepted
// connections come back non-blocking and close-on-exec.
#pragma once

#include "base/result.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace spicebox {

class Listener {
public:
    // `port` 0 takes any free port (uri() tells which).
    static Result<Listener> tcp(const std::string& address, uint16_t port);
    // An existing socket file at `path` (left by an earlier run) is replaced; any other file is an error.
    static Result<Listener> unix_socket(const std::string& path);
    // Makes sure RLIMIT_NOFILE leaves room for `descriptors` (what the clients may hold) plus a headroom for
    // the rest of the process, raising the soft limit up to the hard one if needed: accepting up to the
    // connection limit then never starves the rest of the process. An Error when the hard limit is too low.
    static Result<void> reserve_descriptors(size_t descriptors);

    Listener(Listener&&) noexcept;
    Listener& operator=(Listener&&) = delete;
    ~Listener();

    int fd() const { return m_fd; }
    // spice://ADDRESS:PORT or spice+unix://PATH: what to give a client.
    const std::string& uri() const { return m_uri; }
    // The next pending connection; -1 when none is waiting. An Error for anything else.
    Result<int> accept();

private:
    Listener(int fd, std::string uri, std::string unix_path);

    int m_fd;
    std::string m_uri;
    std::string m_unix_path;
};

} // namespace spicebox
