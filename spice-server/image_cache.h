// The server's account of one client's pixmap cache (spice-server's pixmap-cache): which image ids the
// client holds and how many pixels they take, against the budget the client gave in DISPLAY_INIT. The
// client's cache has no limit of its own, so the server evicts (least recently used first) and tells the
// client with INVAL_LIST before it asks it to cache more.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <vector>

namespace spicebox {

class ImageCache {
public:
    explicit ImageCache(uint64_t capacity_pixels = 0) : m_capacity(capacity_pixels) { }

    enum class Use {
        Send,         // too large to cache: send it plainly
        SendAndCache, // send it with CACHE_ME
        FromCache,    // the client has it: send FROM_CACHE
    };
    // How image `id` of `pixels` pixels goes to the client now; ids evicted to make room are appended to
    // `evicted` (the client must be told before the image is sent).
    Use use(uint64_t id, uint64_t pixels, std::vector<uint64_t>& evicted);

    void set_capacity(uint64_t capacity_pixels);
    uint64_t capacity() const { return m_capacity; }
    uint64_t used() const { return m_used; }
    size_t count() const { return m_index.size(); }

private:
    struct Entry {
        uint64_t id;
        uint64_t pixels;
    };

    std::list<Entry> m_lru; // most recently used first
    std::unordered_map<uint64_t, std::list<Entry>::iterator> m_index;
    uint64_t m_capacity;
    uint64_t m_used { 0 };
};

} // namespace spicebox
