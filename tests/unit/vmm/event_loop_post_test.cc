#include "vmm/event_loop.h"

#include <doctest/doctest.h>

#include <thread>
#include <vector>

using namespace spicebox;

TEST_CASE("event loop: post runs callbacks from other threads on the loop's thread, in order")
{
    auto loop = EventLoop::create();
    REQUIRE(loop.ok());
    std::thread::id loop_thread;
    std::thread runner([&] {
        loop_thread = std::this_thread::get_id();
        (*loop)->run();
    });
    constexpr int kPosts = 1000;
    std::vector<int> order;
    std::vector<std::thread::id> threads;
    std::thread poster([&] {
        for (int i = 0; i < kPosts; ++i) {
            (*loop)->post([&, i] {
                order.push_back(i);
                threads.push_back(std::this_thread::get_id());
            });
        }
        (*loop)->post([&] { (*loop)->stop(); });
    });
    poster.join();
    runner.join();
    REQUIRE(order.size() == size_t(kPosts));
    for (int i = 0; i < kPosts; ++i)
        CHECK(order[size_t(i)] == i);
    for (auto id : threads)
        CHECK(id == loop_thread);
}
