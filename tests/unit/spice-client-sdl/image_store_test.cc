#include "spice-client-sdl/image_store.h"
#include "spice-common/lz4_codec.h"
#include "spice-common/wire_writer.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

using namespace spicebox;

namespace {

constexpr uint64_t kCachePixels = 1000;

struct ImageBytes {
    uint64_t id { 7 };
    uint8_t type { SPICE_IMAGE_TYPE_BITMAP };
    uint8_t flags { 0 };
    uint8_t bitmap_flags { SPICE_BITMAP_FLAGS_TOP_DOWN };
    uint32_t width { 2 };
    uint32_t height { 2 };
    uint32_t stride { 8 };
};

// A message body holding one 32-bit raw bitmap image at offset 4: pixel (x, y) is 0x10 * y + x.
std::vector<uint8_t> raw_image(const ImageBytes& spec)
{
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u32(0); // what precedes the image in a real message
    writer.put_u64(spec.id);
    writer.put_u8(spec.type);
    writer.put_u8(spec.flags);
    writer.put_u32(spec.width);
    writer.put_u32(spec.height);
    if (spec.type != SPICE_IMAGE_TYPE_BITMAP)
        return body;
    writer.put_u8(SPICE_BITMAP_FMT_32BIT);
    writer.put_u8(spec.bitmap_flags);
    writer.put_u32(spec.width);
    writer.put_u32(spec.height);
    writer.put_u32(spec.stride);
    writer.put_u32(0);
    for (uint32_t y = 0; y < spec.height; ++y) {
        for (uint32_t x = 0; x < spec.width; ++x)
            writer.put_u32(0x10 * y + x);
        for (uint32_t pad = spec.width * 4; pad < spec.stride; ++pad)
            writer.put_u8(0xEE);
    }
    return body;
}

uint32_t pixel(const Image& image, uint32_t x, uint32_t y)
{
    auto& bitmap = std::get<Bitmap>(image.source);
    uint32_t value;
    std::memcpy(&value, bitmap.pixels.data() + size_t(y) * bitmap.stride + x * 4, 4);
    return value;
}

}

TEST_CASE("raw bitmaps: padding dropped, bottom-up rows turned top-down")
{
    ImageStore store(kCachePixels, 1 << 16);
    auto top_down = store.resolve_image(raw_image({ .stride = 12 }), 4);
    REQUIRE_MESSAGE(top_down.ok(), top_down.error_message());
    CHECK(std::get<Bitmap>(top_down->source).stride == 8);
    CHECK(pixel(*top_down, 1, 0) == 0x01);
    CHECK(pixel(*top_down, 0, 1) == 0x10);
    auto bottom_up = store.resolve_image(raw_image({ .bitmap_flags = 0 }), 4);
    REQUIRE(bottom_up.ok());
    CHECK(pixel(*bottom_up, 0, 0) == 0x10);
    CHECK(pixel(*bottom_up, 1, 1) == 0x01);
}

TEST_CASE("CACHE_ME, FROM_CACHE, INVAL_LIST: a cached image comes back until it is invalidated")
{
    ImageStore store(kCachePixels, 1 << 16);
    REQUIRE(store.resolve_image(raw_image({ .id = 42, .flags = SPICE_IMAGE_FLAGS_CACHE_ME }), 4).ok());
    CHECK(store.cached_pixmaps() == 1);
    auto again = store.resolve_image(raw_image({ .id = 42, .type = SPICE_IMAGE_TYPE_FROM_CACHE }), 4);
    REQUIRE_MESSAGE(again.ok(), again.error_message());
    CHECK(pixel(*again, 1, 1) == 0x11);
    store.invalidate_pixmap(42);
    auto gone = store.resolve_image(raw_image({ .id = 42, .type = SPICE_IMAGE_TYPE_FROM_CACHE }), 4);
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().message == "the server named image 42, which is not in the cache");
    REQUIRE(store.resolve_image(raw_image({ .id = 43, .flags = SPICE_IMAGE_FLAGS_CACHE_ME }), 4).ok());
    store.invalidate_all_pixmaps();
    CHECK(store.cached_pixmaps() == 0);
}

TEST_CASE("a server overfilling the pixmap cache far beyond what DISPLAY_INIT announced is an error")
{
    ImageStore store(4, 1 << 16); // 4 pixels announced: the slack allows 8
    REQUIRE(store.resolve_image(raw_image({ .id = 1, .flags = SPICE_IMAGE_FLAGS_CACHE_ME }), 4).ok());
    REQUIRE(store.resolve_image(raw_image({ .id = 2, .flags = SPICE_IMAGE_FLAGS_CACHE_ME }), 4).ok());
    auto third = store.resolve_image(raw_image({ .id = 3, .flags = SPICE_IMAGE_FLAGS_CACHE_ME }), 4);
    REQUIRE_FALSE(third.ok());
    CHECK(third.error().message.find("overfilled the pixmap cache") != std::string::npos);
    // Replacing an entry does not count it twice.
    CHECK(store.resolve_image(raw_image({ .id = 2, .flags = SPICE_IMAGE_FLAGS_CACHE_ME }), 4).ok());
}

TEST_CASE("truncated and oversized images are errors, never reads past the message")
{
    ImageStore store(kCachePixels, 1 << 16);
    auto body = raw_image({});
    for (size_t size = 0; size < body.size(); ++size) {
        std::vector<uint8_t> cut(body.begin(), body.begin() + ptrdiff_t(size));
        CHECK_FALSE(store.resolve_image(cut, 4).ok());
    }
    CHECK_FALSE(store.resolve_image(body, uint32_t(body.size())).ok());
    // A huge size with a few bytes of pixels: refused before allocating for it.
    auto huge = raw_image({ .width = 16384, .height = 16384, .stride = 65536 });
    CHECK_FALSE(store.resolve_image(std::span(huge).first(60), 4).ok());
    CHECK_FALSE(store.resolve_image(raw_image({ .width = 100000, .height = 1, .stride = 400000 }), 4).ok());
    CHECK_FALSE(store.resolve_image(raw_image({ .stride = 4 }), 4).ok());
    CHECK_FALSE(store.resolve_image(raw_image({ .type = 99 }), 4).ok());
}

TEST_CASE("an 8-bit bitmap's palette: given inline and cached, then taken from the cache")
{
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u64(1);
    writer.put_u8(SPICE_IMAGE_TYPE_BITMAP);
    writer.put_u8(0);
    writer.put_u32(2);
    writer.put_u32(1);
    writer.put_u8(SPICE_BITMAP_FMT_8BIT);
    writer.put_u8(SPICE_BITMAP_FLAGS_TOP_DOWN | SPICE_BITMAP_FLAGS_PAL_CACHE_ME);
    writer.put_u32(2);
    writer.put_u32(1);
    writer.put_u32(2);
    size_t palette_pointer = writer.size();
    writer.put_u32(0);
    writer.put_u8(1);
    writer.put_u8(0);
    writer.patch_u32(palette_pointer, uint32_t(writer.size()));
    writer.put_u64(555);
    writer.put_u16(2);
    writer.put_u32(0x112233);
    writer.put_u32(0x445566);
    ImageStore store(kCachePixels, 1 << 16);
    auto image = store.resolve_image(body, 0);
    REQUIRE_MESSAGE(image.ok(), image.error_message());
    auto& bitmap = std::get<Bitmap>(image->source);
    CHECK(bitmap.palette.size() == 256);
    CHECK(bitmap.palette[1] == 0x445566);
    CHECK(store.cached_palettes() == 1);

    std::vector<uint8_t> cached;
    WireWriter cached_writer(cached);
    cached_writer.put_bytes(std::span(body).first(palette_pointer));
    cached[19] = SPICE_BITMAP_FLAGS_TOP_DOWN | SPICE_BITMAP_FLAGS_PAL_FROM_CACHE; // the bitmap's flags
    cached_writer.put_u64(555);
    cached_writer.put_u8(1);
    cached_writer.put_u8(1);
    auto from_cache = store.resolve_image(cached, 0);
    REQUIRE_MESSAGE(from_cache.ok(), from_cache.error_message());
    CHECK(std::get<Bitmap>(from_cache->source).palette[1] == 0x445566);
    store.invalidate_all_palettes();
    CHECK_FALSE(store.resolve_image(cached, 0).ok());
}

TEST_CASE("an LZ4 image goes through the codec; SURFACE images name their surface")
{
    Bitmap source;
    source.format = BitmapFormat::Xrgb8888;
    source.width = 3;
    source.height = 2;
    source.stride = 12;
    for (uint32_t i = 0; i < 6; ++i)
        for (uint8_t byte : { uint8_t(i), uint8_t(2 * i), uint8_t(3 * i), uint8_t(0) })
            source.pixels.push_back(byte);
    auto payload = encode_lz4_image(source);
    REQUIRE(payload.ok());
    std::vector<uint8_t> body;
    WireWriter writer(body);
    writer.put_u64(9);
    writer.put_u8(SPICE_IMAGE_TYPE_LZ4);
    writer.put_u8(0);
    writer.put_u32(3);
    writer.put_u32(2);
    writer.put_u32(uint32_t(payload->size()));
    writer.put_bytes(*payload);
    ImageStore store(kCachePixels, 1 << 16);
    auto image = store.resolve_image(body, 0);
    REQUIRE_MESSAGE(image.ok(), image.error_message());
    CHECK(std::get<Bitmap>(image->source).pixels == source.pixels);

    std::vector<uint8_t> surface;
    WireWriter surface_writer(surface);
    surface_writer.put_u64(0);
    surface_writer.put_u8(SPICE_IMAGE_TYPE_SURFACE);
    surface_writer.put_u8(0);
    surface_writer.put_u32(0);
    surface_writer.put_u32(0);
    surface_writer.put_u32(5);
    auto surface_image = store.resolve_image(surface, 0);
    REQUIRE(surface_image.ok());
    CHECK(std::get<SurfaceImage>(surface_image->source).surface_id == 5);
}
