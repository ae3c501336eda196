// A card's video memory: page-aligned anonymous memory (so it can back a KVM memory slot), shared by the
// PCI device that maps it as a BAR and the VGA core that renders it, and freed when the last of them goes.
#pragma once

#include "base/result.h"

#include <cstdint>
#include <memory>
#include <span>

namespace spicebox {

class VideoMemory {
public:
    // `bytes` is rounded up to whole pages; the memory starts zeroed.
    static Result<std::shared_ptr<VideoMemory>> allocate(size_t bytes);
    ~VideoMemory();
    VideoMemory(const VideoMemory&) = delete;
    VideoMemory& operator=(const VideoMemory&) = delete;

    std::span<uint8_t> bytes() const { return m_bytes; }
    size_t size() const { return m_bytes.size(); }

private:
    explicit VideoMemory(std::span<uint8_t> bytes) : m_bytes(bytes) { }
    std::span<uint8_t> m_bytes;
};

} // namespace spicebox
