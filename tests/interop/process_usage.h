// What a running process holds, read from /proc: resident memory and open file descriptors. Tests use it
// to check that spicebox gives back what hostile or numerous clients made it take.
#pragma once

#include <cstddef>
#include <cstdint>
#include <sys/types.h>

namespace spicebox::test {

// VmRSS from /proc/PID/status, in KiB; 0 when it cannot be read.
uint64_t resident_kib(pid_t);
// The entries of /proc/PID/fd.
size_t open_descriptors(pid_t);

}
