// The floor for any display path that copies a frame: the host's memcpy of one 1024x768 32-bit frame
// between buffers that do not fit the caches together, the median of many copies.
// Prints "memcpy-floor: BYTES bytes per frame, MEDIAN_NS ns per copy, GBPS GB/s".
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

constexpr size_t kFrameBytes = size_t(1024) * 768 * 4;
// Several frame pairs in rotation, so each copy reads memory the previous ones did not leave in cache.
constexpr size_t kBufferPairs = 8;
constexpr int kCopies = 400;

}

int main()
{
    std::vector<std::vector<uint8_t>> sources(kBufferPairs, std::vector<uint8_t>(kFrameBytes));
    std::vector<std::vector<uint8_t>> destinations(kBufferPairs, std::vector<uint8_t>(kFrameBytes));
    for (size_t i = 0; i < kBufferPairs; ++i) {
        std::memset(sources[i].data(), int(i + 1), kFrameBytes);
        std::memset(destinations[i].data(), 0, kFrameBytes);
    }
    std::vector<int64_t> samples;
    samples.reserve(kCopies);
    for (int i = 0; i < kCopies; ++i) {
        auto& source = sources[size_t(i) % kBufferPairs];
        auto& destination = destinations[size_t(i) % kBufferPairs];
        auto start = std::chrono::steady_clock::now();
        std::memcpy(destination.data(), source.data(), kFrameBytes);
        auto end = std::chrono::steady_clock::now();
        // Keeps the copy observable, so it is not optimised away.
        asm volatile("" : : "r"(destination.data()) : "memory");
        samples.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
    }
    std::nth_element(samples.begin(), samples.begin() + kCopies / 2, samples.end());
    int64_t median = samples[kCopies / 2];
    std::printf("memcpy-floor: %zu bytes per frame, %lld ns per copy, %.2f GB/s\n", kFrameBytes, static_cast<long long>(median),
        double(kFrameBytes) / double(median));
    return 0;
}
