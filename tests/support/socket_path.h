// Where the tests put unix sockets.
#pragma once

#include <string>

namespace spicebox::test {

// NAME in $XDG_RUNTIME_DIR when it is set, else in /tmp. scripts/in-kvm.sh shares /tmp with the nested host
// over 9p, which cannot hold sockets, and gives the command a runtime directory on a tmpfs.
std::string socket_path(const std::string& name);

}
