// The headless client of bench/'s display rows: connects to a SPICE server (spicebox's or QEMU's),
// waits for the qxl-bench guest's black primary, then times the guest's draw sequence as it arrives:
// from the first change of pixel (0, 0) to the guest's end colour there. Prints, flushed at once so
// bench/bench.py can sample the VMM's CPU time and bytes sent at the same moments:
//   bench-client: armed                      (the black primary is here; nothing drawn yet)
//   bench-client: start
//   bench-client: end ELAPSED_US us, UPDATES screen updates
// With KEYS (the guest run with qxl_bench.keys=KEYS), it then presses a key KEYS times, each time
// timing the press until the guest's answering fill arrives at (0, 0):
//   bench-client: latency MEDIAN_US us (MIN_US..MAX_US) over KEYS keys
// then keeps its connections open until its stdin closes, so the sampler still finds them.
// --compression picks the client's image capabilities: raw (no LZ4 offered, PREFERRED_COMPRESSION off),
// lz4 (PREFERRED_COMPRESSION lz4) or default (LZ4 offered, the server's choice).
// Usage: bench-client [--compression=raw|lz4|default] spice://HOST:PORT [TIMEOUT_SECONDS [KEYS]]
#include "spice-client-sdl/client_session.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace spicebox;

namespace {

using Clock = std::chrono::steady_clock;
// guest-drivers/qxl-bench/qxl_bench.cc's end_colour.
constexpr uint32_t kEndColour = 0x010203;
constexpr uint32_t kColourMask = 0xFFFFFF;
constexpr auto kPumpTimeout = std::chrono::milliseconds(5);
constexpr double kDefaultTimeoutSeconds = 60;
// guest-drivers/qxl-bench/qxl_bench.cc's key_colours, and the key pressed (set 1 make code of A).
constexpr uint32_t kKeyColours[] = { 0x204060, 0x206040 };
constexpr uint32_t kKeyScancode = 0x1E;
constexpr auto kKeyTimeout = std::chrono::seconds(5);
constexpr long kMaxKeys = 1000;

// Presses and releases a key `keys` times, each time waiting for the guest's fill; prints the
// latencies' median, min and max.
bool measure_latency(ClientSession& session, long keys)
{
    std::vector<int64_t> latencies;
    for (long i = 0; i < keys; ++i) {
        uint32_t expected = kKeyColours[i % 2];
        auto pressed = Clock::now();
        session.send_key(kKeyScancode, true);
        session.send_key(kKeyScancode, false);
        for (;;) {
            if (auto pumped = session.pump(std::chrono::milliseconds(1)); !pumped) {
                std::fprintf(stderr, "bench-client: %s\n", pumped.error().message.c_str());
                return false;
            }
            if ((session.screen().at(0, 0) & kColourMask) == expected)
                break;
            if (Clock::now() - pressed > kKeyTimeout) {
                std::fprintf(stderr, "bench-client: no answer to key %ld\n", i + 1);
                return false;
            }
        }
        latencies.push_back(std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - pressed).count());
    }
    std::sort(latencies.begin(), latencies.end());
    std::printf("bench-client: latency %lld us (%lld..%lld) over %ld keys\n", static_cast<long long>(latencies[latencies.size() / 2]),
        static_cast<long long>(latencies.front()), static_cast<long long>(latencies.back()), keys);
    std::fflush(stdout);
    return true;
}

constexpr const char kCompressionFlag[] = "--compression=";

// Sets the client's image capabilities for a --compression value; false for an unknown one.
bool set_compression(ClientOptions& options, const std::string& name)
{
    if (name == "raw") {
        options.offer_lz4 = false;
        options.preferred_compression = SPICE_IMAGE_COMPRESSION_OFF;
    }
    else if (name == "lz4")
        options.preferred_compression = SPICE_IMAGE_COMPRESSION_LZ4;
    else if (name != "default")
        return false;
    return true;
}

enum class Phase {
    WaitingForBlack,
    WaitingForStart,
    Timing,
};

}

int main(int argc, char** argv)
{
    std::string compression = "default";
    if (argc >= 2 && std::strncmp(argv[1], kCompressionFlag, std::strlen(kCompressionFlag)) == 0) {
        compression = argv[1] + std::strlen(kCompressionFlag);
        --argc;
        ++argv;
    }
    if (argc < 2 || argc > 4) {
        std::fprintf(stderr, "usage: bench-client [--compression=raw|lz4|default] spice://HOST:PORT [TIMEOUT_SECONDS [KEYS]]\n");
        return 2;
    }
    double timeout_seconds = argc >= 3 ? std::strtod(argv[2], nullptr) : kDefaultTimeoutSeconds;
    long keys = argc == 4 ? std::strtol(argv[3], nullptr, 10) : 0;
    if (keys < 0 || keys > kMaxKeys) {
        std::fprintf(stderr, "bench-client: KEYS must be 0..%ld\n", kMaxKeys);
        return 2;
    }
    auto options = parse_spice_uri(argv[1]);
    if (!options) {
        std::fprintf(stderr, "bench-client: %s\n", options.error().message.c_str());
        return 2;
    }
    if (!set_compression(*options, compression)) {
        std::fprintf(stderr, "bench-client: --compression must be raw, lz4 or default, not %s\n", compression.c_str());
        return 2;
    }
    auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(timeout_seconds));
    Result<std::unique_ptr<ClientSession>> session = Error { "not connected" };
    // The server may not listen yet: QEMU and spicebox are started just before.
    while (!(session = ClientSession::connect(*options)) && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!session) {
        std::fprintf(stderr, "bench-client: %s\n", session.error().message.c_str());
        return 1;
    }
    Phase phase = Phase::WaitingForBlack;
    Clock::time_point start;
    uint64_t last_generation = 0;
    uint64_t updates = 0;
    while (Clock::now() < deadline) {
        if (auto pumped = (*session)->pump(kPumpTimeout); !pumped) {
            std::fprintf(stderr, "bench-client: %s\n", pumped.error().message.c_str());
            return 1;
        }
        const Framebuffer& screen = (*session)->screen();
        uint64_t generation = (*session)->screen_generation();
        if (screen.width == 0 || screen.height == 0 || generation == last_generation)
            continue;
        last_generation = generation;
        uint32_t corner = screen.at(0, 0) & kColourMask;
        switch (phase) {
        case Phase::WaitingForBlack:
            if (corner == 0) {
                phase = Phase::WaitingForStart;
                std::printf("bench-client: armed\n");
                std::fflush(stdout);
            }
            else if (corner == kEndColour) {
                std::fprintf(stderr, "bench-client: connected after the sequence had ended\n");
                return 1;
            }
            break;
        case Phase::WaitingForStart:
            if (corner != 0) {
                start = Clock::now();
                phase = Phase::Timing;
                updates = 1;
                std::printf("bench-client: start\n");
                std::fflush(stdout);
            }
            break;
        case Phase::Timing:
            ++updates;
            if (corner == kEndColour) {
                auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
                std::printf("bench-client: end %lld us, %llu screen updates\n", static_cast<long long>(elapsed),
                    static_cast<unsigned long long>(updates));
                std::fflush(stdout);
                if (keys > 0 && !measure_latency(**session, keys))
                    return 1;
                while (std::getchar() != EOF) { }
                return 0;
            }
            break;
        }
    }
    std::fprintf(stderr, "bench-client: timed out\n");
    return 1;
}
