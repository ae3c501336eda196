#include "spice-common/jpeg_codec.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <jpeglib.h>

#include <vector>

using namespace spicebox;

namespace {

// A smooth picture (JPEG's good case): gradients and a soft disc.
Bitmap smooth_bitmap(uint32_t width, uint32_t height)
{
    Bitmap bitmap;
    bitmap.format = BitmapFormat::Xrgb8888;
    bitmap.width = width;
    bitmap.height = height;
    bitmap.stride = width * 4;
    bitmap.pixels.resize(size_t(bitmap.stride) * height);
    for (uint32_t y = 0; y < height; ++y) {
        for (uint32_t x = 0; x < width; ++x) {
            uint8_t* pixel = bitmap.pixels.data() + y * bitmap.stride + x * 4;
            pixel[0] = uint8_t(x * 255 / width);
            pixel[1] = uint8_t(y * 255 / height);
            pixel[2] = uint8_t(128 + (x + y) / 8);
        }
    }
    return bitmap;
}

int max_channel_difference(const Bitmap& a, const Bitmap& b)
{
    int worst = 0;
    for (size_t i = 0; i < a.pixels.size(); ++i) {
        if (i % 4 != 3)
            worst = std::max(worst, std::abs(int(a.pixels[i]) - int(b.pixels[i])));
    }
    return worst;
}

// A JPEG written with libjpeg's own calls from R, G, B rows.
std::vector<uint8_t> reference_jpeg(const Bitmap& bitmap)
{
    jpeg_compress_struct info {};
    jpeg_error_mgr errors {};
    info.err = jpeg_std_error(&errors);
    jpeg_create_compress(&info);
    unsigned char* output = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&info, &output, &size);
    info.image_width = bitmap.width;
    info.image_height = bitmap.height;
    info.input_components = 3;
    info.in_color_space = JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, 95, TRUE);
    jpeg_start_compress(&info, TRUE);
    std::vector<uint8_t> row(bitmap.width * 3);
    while (info.next_scanline < info.image_height) {
        const uint8_t* source = bitmap.pixels.data() + info.next_scanline * bitmap.stride;
        for (uint32_t x = 0; x < bitmap.width; ++x) {
            row[x * 3] = source[x * 4 + 2];
            row[x * 3 + 1] = source[x * 4 + 1];
            row[x * 3 + 2] = source[x * 4];
        }
        JSAMPROW pointer = row.data();
        jpeg_write_scanlines(&info, &pointer, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    std::vector<uint8_t> jpeg(output, output + size);
    std::free(output);
    return jpeg;
}

} // namespace

TEST_CASE("JPEG round-trips a smooth picture within the quality's error")
{
    auto bitmap = smooth_bitmap(160, 90);
    auto jpeg = encode_jpeg(bitmap, 90);
    REQUIRE(jpeg.ok());
    CHECK(jpeg->size() < bitmap.pixels.size() / 8);
    CHECK((*jpeg)[0] == 0xff);
    CHECK((*jpeg)[1] == 0xd8); // SOI
    auto decoded = decode_jpeg(*jpeg);
    REQUIRE(decoded.ok());
    CHECK(decoded->format == BitmapFormat::Xrgb8888);
    CHECK(decoded->width == 160);
    CHECK(decoded->height == 90);
    CHECK(decoded->stride == 640);
    CHECK(max_channel_difference(bitmap, *decoded) <= 12);

    auto small = encode_jpeg(bitmap, 10);
    REQUIRE(small.ok());
    CHECK(small->size() < jpeg->size());
}

TEST_CASE("JPEG decodes a stream written by libjpeg directly, channels in place")
{
    auto bitmap = smooth_bitmap(48, 33);
    auto decoded = decode_jpeg(reference_jpeg(bitmap));
    REQUIRE(decoded.ok());
    CHECK(decoded->width == 48);
    CHECK(decoded->height == 33);
    CHECK(max_channel_difference(bitmap, *decoded) <= 8);
}

TEST_CASE("JPEG refuses what it cannot encode or decode")
{
    auto bitmap = smooth_bitmap(16, 16);
    CHECK_FALSE(encode_jpeg(bitmap, 0).ok());
    CHECK_FALSE(encode_jpeg(bitmap, 101).ok());
    bitmap.format = BitmapFormat::Rgb888;
    CHECK_FALSE(encode_jpeg(bitmap, 80).ok());

    auto jpeg = encode_jpeg(smooth_bitmap(64, 64), 80).value();
    CHECK_FALSE(decode_jpeg({}).ok());
    for (size_t size : { size_t(1), size_t(2), size_t(20), size_t(100), jpeg.size() / 2, jpeg.size() - 2 }) {
        CAPTURE(size);
        CHECK_FALSE(decode_jpeg(std::span(jpeg).first(size)).ok());
    }
    std::vector<uint8_t> garbage(500, 0x5a);
    CHECK_FALSE(decode_jpeg(garbage).ok());

    // The frame header's size claims 60000x60000 pixels: refused before any pixel is allocated.
    auto huge = jpeg;
    for (size_t at = 2; at + 9 < huge.size(); ++at) {
        if (huge[at] == 0xff && huge[at + 1] == 0xc0) { // SOF0: length, precision, height, width
            huge[at + 5] = 0xea;
            huge[at + 6] = 0x60;
            huge[at + 7] = 0xea;
            huge[at + 8] = 0x60;
            break;
        }
    }
    CHECK_FALSE(decode_jpeg(huge).ok());
}
