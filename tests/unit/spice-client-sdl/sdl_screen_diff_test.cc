#include "spice-client-sdl/sdl_screen_diff.h"

#include <doctest/doctest.h>

using namespace spicebox;

namespace {

Framebuffer filled(uint32_t width, uint32_t height, uint32_t color)
{
    Framebuffer screen;
    screen.resize(width, height);
    std::fill(screen.pixels.begin(), screen.pixels.end(), color);
    return screen;
}

void paint(Framebuffer& screen, Rect rect, uint32_t color)
{
    for (int32_t y = rect.top; y < rect.bottom; ++y)
        for (int32_t x = rect.left; x < rect.right; ++x)
            screen.row(uint32_t(y))[x] = color;
}

}

TEST_CASE("equal pictures have nothing to upload")
{
    auto shown = filled(64, 48, 0x00102030);
    auto current = shown;
    CHECK(changed_rects(shown, current).empty());
}

TEST_CASE("a new size is the whole screen; an empty screen is nothing")
{
    Framebuffer shown;
    auto current = filled(64, 48, 0x00102030);
    CHECK(changed_rects(shown, current) == std::vector<Rect> { { 0, 0, 64, 48 } });
    CHECK(changed_rects(current, Framebuffer {}).empty());
}

TEST_CASE("changes come back as one rectangle per run of changed rows, as narrow as the columns that changed")
{
    auto shown = filled(100, 80, 0);
    auto current = shown;
    paint(current, { 10, 5, 20, 8 }, 0x00FF0000);
    paint(current, { 40, 7, 45, 9 }, 0x0000FF00); // touches the first run: joins it
    paint(current, { 99, 79, 100, 80 }, 0x000000FF); // the last pixel alone
    paint(current, { 0, 30, 1, 31 }, 0x00FFFFFF);
    auto rects = changed_rects(shown, current);
    CHECK(rects == std::vector<Rect> { { 10, 5, 45, 9 }, { 0, 30, 1, 31 }, { 99, 79, 100, 80 } });

    copy_rects(shown, current, rects);
    CHECK(shown.pixels == current.pixels);
    CHECK(changed_rects(shown, current).empty());
}

TEST_CASE("copying into a picture of another size takes the whole screen")
{
    auto shown = filled(10, 10, 0);
    auto current = filled(30, 20, 0x00123456);
    copy_rects(shown, current, changed_rects(shown, current));
    CHECK(shown.width == 30);
    CHECK(shown.height == 20);
    CHECK(shown.pixels == current.pixels);
}
