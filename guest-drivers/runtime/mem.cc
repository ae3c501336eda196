#include "runtime/mem.h"

#include <stdint.h>

// The copies use the string instructions directly so the compiler cannot turn these bodies back
// into calls to themselves; the runtime only calls them from ring 3, where they run natively.
extern "C" {

void* memcpy(void* destination, const void* source, size_t size)
{
    void* result = destination;
    asm volatile("rep movsb" : "+D"(destination), "+S"(source), "+c"(size) : : "memory");
    return result;
}

void* memmove(void* destination, const void* source, size_t size)
{
    auto to = reinterpret_cast<uintptr_t>(destination);
    auto from = reinterpret_cast<uintptr_t>(source);
    if (to <= from || to >= from + size)
        return memcpy(destination, source, size);
    // Overlapping with the destination above the source: copy backwards from the last byte.
    void* last_to = static_cast<uint8_t*>(destination) + size - 1;
    const void* last_from = static_cast<const uint8_t*>(source) + size - 1;
    asm volatile("std; rep movsb; cld" : "+D"(last_to), "+S"(last_from), "+c"(size) : : "memory");
    return destination;
}

void* memset(void* destination, int value, size_t size)
{
    void* result = destination;
    asm volatile("rep stosb" : "+D"(destination), "+c"(size) : "a"(value) : "memory");
    return result;
}

int memcmp(const void* left, const void* right, size_t size)
{
    auto a = static_cast<const uint8_t*>(left);
    auto b = static_cast<const uint8_t*>(right);
    for (size_t i = 0; i < size; ++i) {
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char* text)
{
    size_t length = 0;
    while (text[length] != '\0')
        ++length;
    return length;
}
}
