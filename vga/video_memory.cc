#include "vga/video_memory.h"

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/mman.h>

namespace spicebox {

namespace {
constexpr size_t page_size = 4096;
}

Result<std::shared_ptr<VideoMemory>> VideoMemory::allocate(size_t bytes)
{
    if (bytes == 0)
        return Error { "video memory of 0 bytes" };
    size_t rounded = (bytes + page_size - 1) / page_size * page_size;
    void* memory = mmap(nullptr, rounded, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED)
        return Error { "cannot allocate " + std::to_string(rounded) + " bytes of video memory: " + std::strerror(errno) };
    return std::shared_ptr<VideoMemory>(new VideoMemory({ static_cast<uint8_t*>(memory), rounded }));
}

VideoMemory::~VideoMemory()
{
    munmap(m_bytes.data(), m_bytes.size());
}

} // namespace spicebox
