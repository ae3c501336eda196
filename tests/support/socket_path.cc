#include "tests/support/socket_path.h"

#include <cstdlib>

namespace spicebox::test {

std::string socket_path(const std::string& name)
{
    const char* runtime = std::getenv("XDG_RUNTIME_DIR");
    return std::string(runtime && *runtime ? runtime : "/tmp") + "/" + name;
}

}
