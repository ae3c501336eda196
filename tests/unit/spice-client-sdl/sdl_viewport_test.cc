#include "spice-client-sdl/sdl_viewport.h"

#include <doctest/doctest.h>

#include <cmath>
#include <utility>

using namespace spicebox;

TEST_CASE("a window of the screen's shape is filled; others get bars on the sides that are too long")
{
    CHECK(fit_viewport(800, 600, 800, 600) == Viewport { 0, 0, 800, 600 });
    CHECK(fit_viewport(800, 600, 1600, 1200) == Viewport { 0, 0, 1600, 1200 });
    // Too wide: bars left and right.
    CHECK(fit_viewport(800, 600, 1000, 600) == Viewport { 100, 0, 800, 600 });
    // Too tall: bars above and below.
    CHECK(fit_viewport(800, 600, 400, 500) == Viewport { 0, 100, 400, 300 });
    // Rounded to the nearest pixel: 1024x768 in 333 wide is 249.75 high.
    CHECK(fit_viewport(1024, 768, 333, 1000) == Viewport { 0, 375, 333, 250 });
}

TEST_CASE("the aspect ratio survives any window size within a pixel")
{
    for (int width = 1; width < 2000; width += 37) {
        for (int height = 1; height < 2000; height += 41) {
            auto viewport = fit_viewport(1280, 720, width, height);
            CAPTURE(width);
            CAPTURE(height);
            REQUIRE(!viewport.empty());
            CHECK(viewport.width <= width);
            CHECK(viewport.height <= height);
            CHECK((viewport.width == width || viewport.height == height));
            // width/height against 16/9, cross-multiplied, within half a pixel of either side (or the
            // one-pixel minimum).
            double ideal_height = viewport.width * 720.0 / 1280.0;
            CHECK((std::abs(viewport.height - ideal_height) <= 0.5 + 1e-9 || viewport.height == 1
                || std::abs(viewport.width - viewport.height * 1280.0 / 720.0) <= 0.5 + 1e-9));
            CHECK(viewport.x * 2 + viewport.width <= width);
            CHECK(viewport.x * 2 + viewport.width >= width - 1);
        }
    }
}

TEST_CASE("empty screens and windows give an empty viewport, which maps every point to the origin")
{
    CHECK(fit_viewport(0, 600, 800, 600).empty());
    CHECK(fit_viewport(800, 0, 800, 600).empty());
    CHECK(fit_viewport(800, 600, 0, 600).empty());
    CHECK(fit_viewport(800, 600, 800, -5).empty());
    CHECK(window_to_screen(Viewport {}, 800, 600, 400, 300) == ScreenPoint { 0, 0 });
    CHECK(window_to_screen(Viewport { 0, 0, 10, 10 }, 0, 0, 4, 4) == ScreenPoint { 0, 0 });
}

TEST_CASE("window points map to the guest pixel under them, and bars clamp to the nearest edge")
{
    auto viewport = fit_viewport(640, 480, 1480, 960); // 1280x960 at x 100: twice the screen
    REQUIRE(viewport == Viewport { 100, 0, 1280, 960 });
    CHECK(window_to_screen(viewport, 640, 480, 100, 0) == ScreenPoint { 0, 0 });
    CHECK(window_to_screen(viewport, 640, 480, 101, 1) == ScreenPoint { 0, 0 });
    CHECK(window_to_screen(viewport, 640, 480, 102, 2) == ScreenPoint { 1, 1 });
    CHECK(window_to_screen(viewport, 640, 480, 1379, 959) == ScreenPoint { 639, 479 });
    CHECK(window_to_screen(viewport, 640, 480, 0, 500) == ScreenPoint { 0, 250 });
    CHECK(window_to_screen(viewport, 640, 480, 1479, -3) == ScreenPoint { 639, 0 });
    CHECK(window_to_screen(viewport, 640, 480, 1 << 30, 1 << 30) == ScreenPoint { 639, 479 });
}

TEST_CASE("a guest pixel drawn in the window maps back to itself")
{
    for (auto [width, height] : { std::pair { 1000, 700 }, std::pair { 333, 777 }, std::pair { 4000, 3000 } }) {
        auto viewport = fit_viewport(1024, 768, width, height);
        for (int32_t x = 0; x < 1024; x += 31) {
            for (int32_t y = 0; y < 768; y += 29) {
                auto corner = screen_to_window(viewport, 1024, 768, x, y);
                auto next = screen_to_window(viewport, 1024, 768, x + 1, y + 1);
                // When the screen is shrunk a window pixel holds several guest pixels; when enlarged, its
                // corner pixel is the guest pixel itself.
                if (next.x > corner.x && next.y > corner.y) {
                    CAPTURE(x);
                    CAPTURE(y);
                    CHECK(window_to_screen(viewport, 1024, 768, corner.x, corner.y) == ScreenPoint { x, y });
                }
            }
        }
    }
}
