// A non-owning view of characters: what std::string_view is to hosted code, without the library.
#pragma once

#include "runtime/mem.h"

#include <stddef.h>
#include <stdint.h>

namespace spicebox::guest {

class StringView {
public:
    static constexpr size_t not_found = SIZE_MAX;

    constexpr StringView() = default;
    constexpr StringView(const char* data, size_t size) : m_data(data), m_size(size) { }
    StringView(const char* text) : m_data(text), m_size(strlen(text)) { }

    constexpr const char* data() const { return m_data; }
    constexpr size_t size() const { return m_size; }
    constexpr bool empty() const { return m_size == 0; }
    constexpr char operator[](size_t index) const { return m_data[index]; }

    // Clamped like std::string_view::substr, without the exception.
    constexpr StringView substr(size_t start, size_t count = SIZE_MAX) const
    {
        if (start > m_size)
            start = m_size;
        if (count > m_size - start)
            count = m_size - start;
        return StringView(m_data + start, count);
    }

    bool operator==(StringView other) const { return m_size == other.m_size && memcmp(m_data, other.m_data, m_size) == 0; }
    bool starts_with(StringView prefix) const { return m_size >= prefix.m_size && substr(0, prefix.m_size) == prefix; }

    size_t find(StringView needle) const
    {
        if (needle.m_size > m_size)
            return not_found;
        for (size_t i = 0; i + needle.m_size <= m_size; ++i) {
            if (substr(i, needle.m_size) == needle)
                return i;
        }
        return not_found;
    }

    bool contains(StringView needle) const { return find(needle) != not_found; }

private:
    const char* m_data { nullptr };
    size_t m_size { 0 };
};

}
