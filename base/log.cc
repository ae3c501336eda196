#include "base/log.h"

#include <atomic>
#include <cstdio>

namespace spicebox {

namespace {
std::atomic<LogLevel> s_level { LogLevel::Warning };
}

void set_log_level(LogLevel level) { s_level = level; }
LogLevel log_level() { return s_level; }

void log(LogLevel level, const char* component, const char* format, ...)
{
    if (level < s_level)
        return;
    // Build the whole line first so lines from different threads do not interleave.
    char line[1024];
    int prefix = std::snprintf(line, sizeof line, "spicebox: %s: ", component);
    va_list args;
    va_start(args, format);
    std::vsnprintf(line + prefix, sizeof line - prefix, format, args);
    va_end(args);
    std::fprintf(stderr, "%s\n", line);
}

} // namespace spicebox
