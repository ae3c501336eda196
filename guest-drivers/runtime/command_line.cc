#include "runtime/command_line.h"

namespace spicebox::guest {

namespace {

bool is_separator(char c) { return c == ' ' || c == '\t' || c == '\n'; }

int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

}

CommandLineValue find_parameter(StringView command_line, StringView key)
{
    size_t position = 0;
    while (position < command_line.size()) {
        while (position < command_line.size() && is_separator(command_line[position]))
            ++position;
        size_t end = position;
        while (end < command_line.size() && !is_separator(command_line[end]))
            ++end;
        StringView word = command_line.substr(position, end - position);
        if (word == key)
            return { true, StringView() };
        if (word.starts_with(key) && word.size() > key.size() && word[key.size()] == '=')
            return { true, word.substr(key.size() + 1) };
        position = end;
    }
    return {};
}

bool parse_unsigned(StringView text, unsigned base, uint64_t& result)
{
    if (base == 16 && (text.starts_with("0x") || text.starts_with("0X")))
        text = text.substr(2);
    if (text.empty())
        return false;
    uint64_t value = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        int digit = digit_value(text[i]);
        if (digit < 0 || unsigned(digit) >= base)
            return false;
        if (value > (UINT64_MAX - unsigned(digit)) / base)
            return false;
        value = value * base + unsigned(digit);
    }
    result = value;
    return true;
}

}
