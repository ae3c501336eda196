#include "spice-server/image_cache.h"

namespace spicebox {

ImageCache::Use ImageCache::use(uint64_t id, uint64_t pixels, std::vector<uint64_t>& evicted)
{
    if (auto found = m_index.find(id); found != m_index.end()) {
        m_lru.splice(m_lru.begin(), m_lru, found->second);
        return Use::FromCache;
    }
    if (pixels == 0 || pixels > m_capacity)
        return Use::Send;
    while (m_used + pixels > m_capacity) {
        auto& oldest = m_lru.back();
        evicted.push_back(oldest.id);
        m_used -= oldest.pixels;
        m_index.erase(oldest.id);
        m_lru.pop_back();
    }
    m_lru.push_front({ id, pixels });
    m_index[id] = m_lru.begin();
    m_used += pixels;
    return Use::SendAndCache;
}

void ImageCache::set_capacity(uint64_t capacity_pixels)
{
    m_capacity = capacity_pixels;
}

} // namespace spicebox
