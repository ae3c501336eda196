// The display pipe's occlusion rule and the pixmap cache's accounting.
#include "spice-server/display_pipe.h"
#include "spice-server/image_cache.h"

#include <doctest/doctest.h>

using namespace spicebox;

namespace {

std::shared_ptr<const DrawCommand> fill(uint32_t surface, Rect box, uint16_t rop = SPICE_ROPD_OP_PUT)
{
    return std::make_shared<const DrawCommand>(
        DrawCommand { .surface_id = surface, .bbox = box, .operation = FillOp { .brush = SolidBrush { 0x123456 }, .rop_descriptor = rop } });
}

std::shared_ptr<const DrawCommand> copy_from(uint32_t surface, Rect box, uint32_t source_surface)
{
    return std::make_shared<const DrawCommand>(DrawCommand { .surface_id = surface, .bbox = box,
        .operation = CopyOp { .source = Image { .source = SurfaceImage { source_surface } }, .source_area = { 0, 0, box.width(), box.height() } } });
}

std::vector<const DrawCommand*> queued(DisplayPipe& pipe)
{
    std::vector<const DrawCommand*> commands;
    for (auto& item : pipe.items()) {
        if (item.kind == PipeItem::Kind::Command)
            commands.push_back(item.command.get());
    }
    return commands;
}

}

TEST_CASE("a queued draw that a later opaque draw on the same surface covers is dropped")
{
    DisplayPipe pipe;
    auto small = fill(0, { 10, 10, 20, 20 }, SPICE_ROPD_OP_XOR);
    auto elsewhere = fill(0, { 200, 200, 220, 220 });
    auto other_surface = fill(1, { 10, 10, 20, 20 });
    auto big = fill(0, { 0, 0, 100, 100 });
    pipe.push_command(small);
    pipe.push_command(elsewhere);
    pipe.push_command(other_surface);
    pipe.push_command(big);
    CHECK(queued(pipe) == std::vector<const DrawCommand*> { elsewhere.get(), other_surface.get(), big.get() });
    CHECK(pipe.dropped_by_occlusion() == 1);
}

TEST_CASE("what does not paint every pixel of its box covers nothing")
{
    DisplayPipe pipe;
    auto first = fill(0, { 10, 10, 20, 20 });
    pipe.push_command(first);
    SUBCASE("a non-PUT rop")
    {
        pipe.push_command(fill(0, { 0, 0, 100, 100 }, SPICE_ROPD_OP_XOR));
    }
    SUBCASE("a mask")
    {
        pipe.push_command(std::make_shared<const DrawCommand>(DrawCommand { .bbox = { 0, 0, 100, 100 },
            .operation = FillOp { .brush = SolidBrush {}, .mask = Mask { .bitmap = Image { .source = Bitmap {} } } } }));
    }
    SUBCASE("a clip of two rectangles")
    {
        pipe.push_command(std::make_shared<const DrawCommand>(DrawCommand { .bbox = { 0, 0, 100, 100 },
            .clip = std::vector<Rect> { { 0, 0, 15, 100 }, { 15, 0, 100, 100 } }, .operation = FillOp { .brush = SolidBrush {} } }));
    }
    SUBCASE("a copy whose source area reaches outside its bitmap")
    {
        Bitmap bitmap { .width = 50, .height = 50, .stride = 200, .pixels = std::vector<uint8_t>(200 * 50) };
        pipe.push_command(std::make_shared<const DrawCommand>(DrawCommand { .bbox = { 0, 0, 100, 100 },
            .operation = CopyOp { .source = Image { .source = bitmap }, .source_area = { 0, 0, 100, 100 } } }));
    }
    SUBCASE("a box that only partly covers")
    {
        pipe.push_command(fill(0, { 15, 0, 100, 100 }));
    }
    CHECK(queued(pipe).front() == first.get());
    CHECK(pipe.dropped_by_occlusion() == 0);
}

TEST_CASE("a single clip rectangle narrows what a draw covers, and a clipped earlier draw is judged by its clip")
{
    DisplayPipe pipe;
    auto clipped_earlier = std::make_shared<const DrawCommand>(DrawCommand { .bbox = { 0, 0, 100, 100 },
        .clip = std::vector<Rect> { { 10, 10, 20, 20 } }, .operation = FillOp { .brush = SolidBrush {} } });
    auto outside = fill(0, { 60, 60, 70, 70 });
    pipe.push_command(clipped_earlier);
    pipe.push_command(outside);
    auto cover = std::make_shared<const DrawCommand>(DrawCommand { .bbox = { 0, 0, 100, 100 },
        .clip = std::vector<Rect> { { 0, 0, 50, 50 } }, .operation = FillOp { .brush = SolidBrush {} } });
    pipe.push_command(cover);
    CHECK(queued(pipe) == std::vector<const DrawCommand*> { outside.get(), cover.get() });
}

TEST_CASE("a draw that a queued draw reads is not dropped, nor is anything queued before it")
{
    DisplayPipe pipe;
    auto on_offscreen = fill(5, { 0, 0, 10, 10 });
    SUBCASE("a SURFACE image in between reads it")
    {
        auto reader = copy_from(0, { 0, 0, 10, 10 }, 5);
        pipe.push_command(on_offscreen);
        pipe.push_command(reader);
        pipe.push_command(fill(5, { 0, 0, 100, 100 }));
        CHECK(queued(pipe).size() == 3);
    }
    SUBCASE("COPY_BITS in between reads its own surface")
    {
        auto moved = std::make_shared<const DrawCommand>(DrawCommand { .surface_id = 5, .bbox = { 20, 20, 30, 30 }, .operation = CopyBitsOp { { 0, 0 } } });
        pipe.push_command(on_offscreen);
        pipe.push_command(moved);
        pipe.push_command(fill(5, { 0, 0, 15, 15 }));
        CHECK(queued(pipe).size() == 3);
    }
    SUBCASE("the covering draw itself reads the surface")
    {
        pipe.push_command(on_offscreen);
        pipe.push_command(copy_from(5, { 0, 0, 100, 100 }, 5));
        CHECK(queued(pipe).size() == 2);
    }
    SUBCASE("a surface change in between is a barrier")
    {
        pipe.push_command(on_offscreen);
        pipe.push({ .kind = PipeItem::Kind::CreateSurface, .surface = SurfaceInfo { .id = 7, .width = 8, .height = 8 } });
        pipe.push_command(fill(5, { 0, 0, 100, 100 }));
        CHECK(queued(pipe).size() == 2);
    }
    CHECK(pipe.dropped_by_occlusion() == 0);
}

TEST_CASE("the pixmap cache: cached once, then from the cache; least recently used evicted to stay within the budget")
{
    ImageCache cache(100);
    std::vector<uint64_t> evicted;
    CHECK(cache.use(1, 40, evicted) == ImageCache::Use::SendAndCache);
    CHECK(cache.use(2, 40, evicted) == ImageCache::Use::SendAndCache);
    CHECK(cache.use(1, 40, evicted) == ImageCache::Use::FromCache);
    CHECK(cache.used() == 80);
    // 3 needs room: 2 is the least recently used.
    CHECK(cache.use(3, 40, evicted) == ImageCache::Use::SendAndCache);
    CHECK(evicted == std::vector<uint64_t> { 2 });
    CHECK(cache.used() == 80);
    CHECK(cache.count() == 2);
    CHECK(cache.use(2, 40, evicted) == ImageCache::Use::SendAndCache);
    CHECK(evicted == std::vector<uint64_t> { 2, 1 });
    // Larger than the whole budget: sent, never cached, nothing evicted.
    CHECK(cache.use(4, 101, evicted) == ImageCache::Use::Send);
    CHECK(cache.use(4, 101, evicted) == ImageCache::Use::Send);
    CHECK(evicted.size() == 2);
    CHECK(cache.used() <= cache.capacity());
}

TEST_CASE("the pixmap cache never holds more than its budget, whatever the sequence of images")
{
    ImageCache cache(1000);
    std::vector<uint64_t> evicted;
    uint64_t held = 0;
    for (uint64_t i = 0; i < 5000; ++i) {
        uint64_t id = (i * 7919) % 61;
        uint64_t pixels = 1 + id * 13 % 400;
        size_t before = evicted.size();
        auto use = cache.use(id, pixels, evicted);
        if (use == ImageCache::Use::SendAndCache)
            held += pixels;
        for (size_t e = before; e < evicted.size(); ++e)
            held -= 1 + evicted[e] * 13 % 400;
        REQUIRE(cache.used() <= 1000);
        REQUIRE(cache.used() == held);
    }
}
