#include "runtime/print.h"

#include "runtime/io.h"

#include <stdint.h>

namespace spicebox::guest {

namespace {

void put_char(char c) { outb(ports::com1, uint8_t(c)); }

void put_padding(char pad, int count)
{
    for (int i = 0; i < count; ++i)
        put_char(pad);
}

void put_number(uint64_t value, unsigned base, bool upper_case, bool negative, char pad, int width)
{
    const char* digits = upper_case ? "0123456789ABCDEF" : "0123456789abcdef";
    char buffer[24];
    int length = 0;
    do {
        buffer[length++] = digits[value % base];
        value /= base;
    } while (value != 0);
    int total = length + (negative ? 1 : 0);
    if (negative && pad == '0')
        put_char('-');
    put_padding(pad, width - total);
    if (negative && pad != '0')
        put_char('-');
    while (length > 0)
        put_char(buffer[--length]);
}

}

void print(StringView text)
{
    for (size_t i = 0; i < text.size(); ++i)
        put_char(text[i]);
}

void printf(const char* format, ...)
{
    va_list arguments;
    va_start(arguments, format);
    vprintf(format, arguments);
    va_end(arguments);
}

void vprintf(const char* format, va_list arguments)
{
    for (const char* p = format; *p != '\0'; ++p) {
        if (*p != '%') {
            put_char(*p);
            continue;
        }
        const char* conversion_start = p;
        ++p;
        char pad = ' ';
        if (*p == '0') {
            pad = '0';
            ++p;
        }
        int width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        int longs = 0;
        while (*p == 'l' || *p == 'z') {
            longs += *p == 'z' ? 2 : 1;
            ++p;
        }
        auto next_unsigned = [&]() -> uint64_t {
            return longs > 0 ? va_arg(arguments, unsigned long) : va_arg(arguments, unsigned int);
        };
        switch (*p) {
        case 's': {
            const char* text = va_arg(arguments, const char*);
            StringView view(text != nullptr ? text : "(null)");
            put_padding(' ', width - int(view.size()));
            print(view);
            break;
        }
        case 'c':
            put_char(char(va_arg(arguments, int)));
            break;
        case 'd':
        case 'i': {
            int64_t value = longs > 0 ? va_arg(arguments, long) : va_arg(arguments, int);
            bool negative = value < 0;
            put_number(negative ? 0 - uint64_t(value) : uint64_t(value), 10, false, negative, pad, width);
            break;
        }
        case 'u':
            put_number(next_unsigned(), 10, false, false, pad, width);
            break;
        case 'x':
        case 'X':
            put_number(next_unsigned(), 16, *p == 'X', false, pad, width);
            break;
        case 'p':
            print("0x");
            put_number(reinterpret_cast<uintptr_t>(va_arg(arguments, void*)), 16, false, false, '0', 16);
            break;
        case '%':
            put_char('%');
            break;
        default:
            // Unknown or truncated conversion: show it as written so the mistake is visible.
            for (const char* q = conversion_start; q <= p && *q != '\0'; ++q)
                put_char(*q);
            if (*p == '\0')
                --p;
            break;
        }
    }
}

}
