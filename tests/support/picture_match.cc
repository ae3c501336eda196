#include "tests/support/picture_match.h"

#include "spice-common/png_writer.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace spicebox::test {

namespace {

bool matches_at(const Framebuffer& whole, const Framebuffer& part, uint32_t x, uint32_t y, uint32_t rows)
{
    for (uint32_t row = 0; row < rows; ++row) {
        if (std::memcmp(whole.row(y + row) + x, part.row(row), size_t(part.width) * sizeof(uint32_t)) != 0)
            return false;
    }
    return true;
}

}

std::string picture_difference(const Framebuffer& actual, const Framebuffer& expected)
{
    if (actual.width != expected.width || actual.height != expected.height) {
        return "the picture is " + std::to_string(actual.width) + "x" + std::to_string(actual.height) + ", expected "
            + std::to_string(expected.width) + "x" + std::to_string(expected.height);
    }
    size_t count = 0;
    size_t first = 0;
    for (size_t i = 0; i < expected.pixels.size(); ++i) {
        if (actual.pixels[i] != expected.pixels[i] && count++ == 0)
            first = i;
    }
    if (count == 0)
        return "";
    char pixels[64];
    std::snprintf(pixels, sizeof pixels, "is 0x%06x, expected 0x%06x", actual.pixels[first], expected.pixels[first]);
    return std::to_string(count) + " pixels differ; the first at (" + std::to_string(first % expected.width) + ", "
        + std::to_string(first / expected.width) + ") " + pixels;
}

std::string screenshot_difference(const Framebuffer& actual, const Framebuffer& expected, const std::string& actual_path)
{
    auto difference = picture_difference(actual, expected);
    if (difference.empty())
        return difference;
    auto expected_path = actual_path + ".expected.png";
    auto written = write_png(expected, expected_path);
    return difference + (written ? "; compare " + actual_path + " with " + expected_path : "; " + written.error().message);
}

std::optional<PicturePosition> find_picture(const Framebuffer& whole, const Framebuffer& part)
{
    if (part.width == 0 || part.height == 0 || part.width > whole.width || part.height > whole.height)
        return std::nullopt;
    for (uint32_t y = 0; y + part.height <= whole.height; ++y) {
        for (uint32_t x = 0; x + part.width <= whole.width; ++x) {
            // The first row rules out nearly every position cheaply.
            if (whole.at(x, y) == part.at(0, 0) && matches_at(whole, part, x, y, 1) && matches_at(whole, part, x, y, part.height))
                return PicturePosition { x, y };
        }
    }
    return std::nullopt;
}

bool pictures_differ(const Framebuffer& first, const Framebuffer& second)
{
    return first.width != second.width || first.height != second.height || first.pixels != second.pixels;
}

}
