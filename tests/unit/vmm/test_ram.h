// Zero-filled host memory for loader tests, mapped lazily so a 256 MiB guest costs only the pages a
// test touches.
#pragma once

#include <cstdint>
#include <doctest/doctest.h>
#include <span>
#include <sys/mman.h>

class TestRam {
public:
    explicit TestRam(size_t size) : m_size(size)
    {
        void* mapping = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        REQUIRE(mapping != MAP_FAILED);
        m_data = static_cast<uint8_t*>(mapping);
    }
    ~TestRam() { munmap(m_data, m_size); }
    TestRam(const TestRam&) = delete;
    TestRam& operator=(const TestRam&) = delete;

    std::span<uint8_t> bytes() { return { m_data, m_size }; }

private:
    uint8_t* m_data { nullptr };
    size_t m_size;
};
