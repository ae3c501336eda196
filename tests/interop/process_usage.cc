#include "tests/interop/process_usage.h"

#include <dirent.h>
#include <fstream>
#include <string>

namespace spicebox::test {

uint64_t resident_kib(pid_t pid)
{
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with("VmRSS:"))
            return std::stoull(line.substr(6));
    }
    return 0;
}

size_t open_descriptors(pid_t pid)
{
    auto path = "/proc/" + std::to_string(pid) + "/fd";
    DIR* directory = opendir(path.c_str());
    if (!directory)
        return 0;
    size_t count = 0;
    while (dirent* entry = readdir(directory)) {
        if (entry->d_name[0] != '.')
            ++count;
    }
    closedir(directory);
    return count;
}

}
