// The compression choice per client and image, what each choice puts on the wire, and the link estimate.
#include "spice-common/jpeg_codec.h"
#include "spice-common/lz4_codec.h"
#include "spice-server/bandwidth_estimate.h"
#include "spice-server/image_encoder.h"

#include <doctest/doctest.h>
#include <spice/enums.h>

#include <cstring>

using namespace spicebox;

namespace {

// A flat two-colour picture (drawn UI) or a smooth gradient with noise (photographic).
Image picture(uint32_t width, uint32_t height, bool photographic, BitmapFormat format = BitmapFormat::Xrgb8888)
{
    Bitmap bitmap { .format = format, .width = width, .height = height, .stride = width * 4 };
    for (uint32_t y = 0; y < height; ++y) {
        for (uint32_t x = 0; x < width; ++x) {
            uint32_t pixel = photographic ? ((x * 3 + (y * x) % 7) << 16 | (y * 2 + x % 5) << 8 | ((x + y) & 0xFF)) : (x < width / 2 ? 0x203040 : 0xF0F0F0);
            for (int i = 0; i < 4; ++i)
                bitmap.pixels.push_back(uint8_t(pixel >> (8 * i)));
        }
    }
    return Image { .id = 5, .source = std::move(bitmap) };
}

SurfaceSizes no_surfaces()
{
    return [](uint32_t) { return std::pair(0u, 0u); };
}

}

TEST_CASE("compression choice: raw without the LZ4 cap, LZ4 with it, JPEG only for large photographic images on a slow link")
{
    auto ui = picture(128, 128, false);
    auto photo = picture(128, 128, true);
    CHECK_FALSE(looks_photographic(std::get<Bitmap>(ui.source)));
    CHECK(looks_photographic(std::get<Bitmap>(photo.source)));

    CHECK(choose_compression(photo, { .lz4 = false, .low_bandwidth = false }) == ImageCompression::Raw);
    CHECK(choose_compression(photo, { .lz4 = true, .low_bandwidth = false }) == ImageCompression::Lz4);
    CHECK(choose_compression(photo, { .lz4 = true, .low_bandwidth = true }) == ImageCompression::Jpeg);
    CHECK(choose_compression(photo, { .lz4 = false, .low_bandwidth = true }) == ImageCompression::Jpeg);
    CHECK(choose_compression(ui, { .lz4 = true, .low_bandwidth = true }) == ImageCompression::Lz4);
    // Too small for lossy, or with alpha: never JPEG.
    CHECK(choose_compression(picture(32, 32, true), { .lz4 = true, .low_bandwidth = true }) == ImageCompression::Lz4);
    CHECK(choose_compression(picture(128, 128, true, BitmapFormat::Argb8888), { .lz4 = true, .low_bandwidth = true }) == ImageCompression::Lz4);
    // Tiny, palettised and SURFACE images go raw.
    CHECK(choose_compression(picture(3, 3, false), { .lz4 = true, .low_bandwidth = false }) == ImageCompression::Raw);
    Image palettised { .source = Bitmap { .format = BitmapFormat::Palette8, .width = 64, .height = 64, .stride = 64,
                           .pixels = std::vector<uint8_t>(64 * 64), .palette = std::vector<uint32_t>(256) } };
    CHECK(choose_compression(palettised, { .lz4 = true, .low_bandwidth = false }) == ImageCompression::Raw);
    CHECK(choose_compression(Image { .source = SurfaceImage { 1 } }, { .lz4 = true, .low_bandwidth = true }) == ImageCompression::Raw);
}

TEST_CASE("an LZ4 or JPEG image on the wire: descriptor, data size, and a payload that decodes to the picture")
{
    auto photo = picture(96, 80, true);
    auto ui = picture(96, 80, false);
    for (auto compression : { ImageCompression::Lz4, ImageCompression::Jpeg }) {
        auto& image = compression == ImageCompression::Lz4 ? ui : photo;
        auto& bitmap = std::get<Bitmap>(image.source);
        std::vector<uint8_t> bytes;
        WireWriter writer(bytes);
        CHECK(write_image(writer, 0, image, SPICE_IMAGE_FLAGS_CACHE_ME, compression, no_surfaces()) == compression);
        REQUIRE(bytes.size() > 22);
        CHECK(bytes[8] == (compression == ImageCompression::Lz4 ? SPICE_IMAGE_TYPE_LZ4 : SPICE_IMAGE_TYPE_JPEG));
        CHECK(bytes[9] == SPICE_IMAGE_FLAGS_CACHE_ME);
        uint32_t size;
        std::memcpy(&size, bytes.data() + 18, 4);
        REQUIRE(bytes.size() == 22 + size);
        CHECK(size < bitmap.pixels.size());
        std::span<const uint8_t> payload(bytes.data() + 22, size);
        if (compression == ImageCompression::Lz4) {
            auto decoded = decode_lz4_image(payload, 96, 80);
            REQUIRE_MESSAGE(decoded.ok(), decoded.error_message());
            CHECK(decoded->pixels == bitmap.pixels);
        } else {
            auto decoded = decode_jpeg(payload);
            REQUIRE_MESSAGE(decoded.ok(), decoded.error_message());
            CHECK(decoded->width == 96);
            CHECK(decoded->height == 80);
        }
    }
    // LZ4 that would not gain (noise) and raw: the plain BITMAP.
    auto& bitmap = std::get<Bitmap>(photo.source);
    std::vector<uint8_t> noisy;
    WireWriter noisy_writer(noisy);
    CHECK(write_image(noisy_writer, 0, photo, 0, ImageCompression::Lz4, no_surfaces()) == ImageCompression::Raw);
    CHECK(noisy[8] == SPICE_IMAGE_TYPE_BITMAP);
    std::vector<uint8_t> raw;
    WireWriter writer(raw);
    CHECK(write_image(writer, 0, photo, 0, ImageCompression::Raw, no_surfaces()) == ImageCompression::Raw);
    CHECK(raw[8] == SPICE_IMAGE_TYPE_BITMAP);
    CHECK(raw.size() == 18 + 18 + bitmap.pixels.size());
}

TEST_CASE("the link estimate: samples only while output waits, a moving average, slow below 10 Mbit/s")
{
    BandwidthEstimate estimate;
    auto start = BandwidthEstimate::Clock::now();
    using std::chrono::milliseconds;
    // The socket keeps up: no sample, the link counts as fast.
    estimate.observe(start, 0, false);
    estimate.observe(start + milliseconds(500), 10'000'000, false);
    CHECK_FALSE(estimate.bytes_per_second());
    CHECK_FALSE(estimate.low());
    // Backlogged at 100 KB per 200 ms = 500 KB/s.
    uint64_t sent = 10'000'000;
    for (int i = 1; i <= 20; ++i)
        estimate.observe(start + milliseconds(500 + 200 * i), sent += (i == 1 ? 0 : 100'000), true);
    REQUIRE(estimate.bytes_per_second());
    CHECK(*estimate.bytes_per_second() == doctest::Approx(500'000).epsilon(0.01));
    CHECK(estimate.low());
    // Then fast: 10 MB per 200 ms; the average climbs over the threshold.
    for (int i = 21; i <= 40; ++i)
        estimate.observe(start + milliseconds(500 + 200 * i), sent += 10'000'000, true);
    CHECK(*estimate.bytes_per_second() > kLowBandwidthBytesPerSecond);
    CHECK_FALSE(estimate.low());
}
