// The memory and string primitives a freestanding C++ program needs (the compiler emits calls to
// the mem* ones for struct copies and zeroing), with their C names.
#pragma once

#include <stddef.h>

extern "C" {
void* memcpy(void* destination, const void* source, size_t size);
void* memmove(void* destination, const void* source, size_t size);
void* memset(void* destination, int value, size_t size);
int memcmp(const void* left, const void* right, size_t size);
size_t strlen(const char* text);
}
