#include "qxl/qxl_bar_memory.h"

#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <utility>

namespace spicebox {

Result<QxlBarMemory> QxlBarMemory::allocate(uint64_t size)
{
    void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (data == MAP_FAILED)
        return Error { std::string("mapping ") + std::to_string(size) + " bytes of device memory: " + std::strerror(errno) };
    return QxlBarMemory(static_cast<uint8_t*>(data), size);
}

QxlBarMemory::~QxlBarMemory()
{
    release();
}

QxlBarMemory::QxlBarMemory(QxlBarMemory&& other) noexcept
    : m_data(std::exchange(other.m_data, nullptr))
    , m_size(std::exchange(other.m_size, 0))
{
}

QxlBarMemory& QxlBarMemory::operator=(QxlBarMemory&& other) noexcept
{
    if (this != &other) {
        release();
        m_data = std::exchange(other.m_data, nullptr);
        m_size = std::exchange(other.m_size, 0);
    }
    return *this;
}

void QxlBarMemory::release()
{
    if (m_data)
        munmap(m_data, m_size);
    m_data = nullptr;
    m_size = 0;
}

} // namespace spicebox
