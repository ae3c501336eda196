// Text output on the COM1 serial port. Each byte is one write to the transmit register (one exit to
// the VMM), without polling the line status: spicebox's UART transmits immediately.
#pragma once

#include "runtime/string_view.h"

#include <stdarg.h>

namespace spicebox::guest {

void print(StringView text);

// A printf subset: %s %c %d %i %u %x %X %p %%, the length modifiers l, ll and z, a '0' flag and a
// field width. Other conversions are printed literally.
__attribute__((format(printf, 1, 2))) void printf(const char* format, ...);
void vprintf(const char* format, va_list arguments);

}
