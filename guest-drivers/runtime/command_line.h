// Reading `key=value` parameters from a kernel-style command line (words separated by spaces).
#pragma once

#include "runtime/string_view.h"

#include <stdint.h>

namespace spicebox::guest {

struct CommandLineValue {
    bool found { false };
    StringView value;
};

// The value of the first word `key=value`; a bare word `key` is found with an empty value.
CommandLineValue find_parameter(StringView command_line, StringView key);

// Parses all of `text` as an unsigned number in `base` (10 or 16; a "0x" prefix is accepted for 16).
// Fails on an empty text, a foreign character or overflow.
bool parse_unsigned(StringView text, unsigned base, uint64_t& result);

}
