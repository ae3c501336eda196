#include "vmm/bios_image.h"

#include "vmm/memory_layout.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/mman.h>
#include <utility>

namespace spicebox {

Result<BiosImage> BiosImage::create(std::span<const uint8_t> file, const std::string& name)
{
    if (file.size() < min_size || file.size() > max_size || file.size() % size_granule != 0) {
        return Error { "BIOS image " + name + " is " + std::to_string(file.size())
            + " bytes: it must be 64 KiB to 16 MiB, a multiple of 64 KiB" };
    }
    void* host = mmap(nullptr, file.size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (host == MAP_FAILED)
        return Error { "cannot allocate memory for BIOS image " + name + ": " + std::strerror(errno) };
    std::span<uint8_t> bytes(static_cast<uint8_t*>(host), file.size());
    std::copy(file.begin(), file.end(), bytes.begin());
    return BiosImage(bytes);
}

BiosImage::BiosImage(BiosImage&& other) noexcept
    : m_bytes(std::exchange(other.m_bytes, {}))
{
}

BiosImage& BiosImage::operator=(BiosImage&& other) noexcept
{
    if (this != &other) {
        if (!m_bytes.empty())
            munmap(m_bytes.data(), m_bytes.size());
        m_bytes = std::exchange(other.m_bytes, {});
    }
    return *this;
}

BiosImage::~BiosImage()
{
    if (!m_bytes.empty())
        munmap(m_bytes.data(), m_bytes.size());
}

uint64_t BiosImage::guest_address() const
{
    return layout::bios_rom_end - m_bytes.size();
}

std::span<uint8_t> BiosImage::low_alias() const
{
    return m_bytes.last(std::min<size_t>(m_bytes.size(), max_low_alias));
}

} // namespace spicebox
