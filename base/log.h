// One log line per event, on stderr, prefixed with the component that speaks.
// Guest bugs and bad clients are logged once per occurrence with this, never thrown.
#pragma once

#include <cstdarg>

namespace spicebox {

enum class LogLevel { Debug, Info, Warning, Error };

void set_log_level(LogLevel);
LogLevel log_level();

[[gnu::format(printf, 3, 4)]] void log(LogLevel, const char* component, const char* format, ...);

} // namespace spicebox

#define LOG_DEBUG(component, ...) ::spicebox::log(::spicebox::LogLevel::Debug, component, __VA_ARGS__)
#define LOG_INFO(component, ...) ::spicebox::log(::spicebox::LogLevel::Info, component, __VA_ARGS__)
#define LOG_WARN(component, ...) ::spicebox::log(::spicebox::LogLevel::Warning, component, __VA_ARGS__)
#define LOG_ERROR(component, ...) ::spicebox::log(::spicebox::LogLevel::Error, component, __VA_ARGS__)
