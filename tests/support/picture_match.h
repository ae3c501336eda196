// Comparing pictures in tests: a screenshot with the image a test computed, what a SPICE client shows with the
// server's own screenshot, or a picture found pixel for pixel inside a larger one (a viewer window on an X screen).
#pragma once

#include "spice-common/framebuffer.h"

#include <cstdint>
#include <optional>
#include <string>

namespace spicebox::test {

struct PicturePosition {
    uint32_t x { 0 };
    uint32_t y { 0 };
};

// Empty when the pictures are equal; otherwise what differs (sizes, or how many pixels and the first one), for a
// failure message.
std::string picture_difference(const Framebuffer& actual, const Framebuffer& expected);
// picture_difference against a screenshot saved at `actual_path`; on a difference it also writes `expected` as
// `actual_path`.expected.png to look at side by side, and says so.
std::string screenshot_difference(const Framebuffer& actual, const Framebuffer& expected, const std::string& actual_path);
// The top-left corner of the first place where `part` appears exactly inside `whole`.
std::optional<PicturePosition> find_picture(const Framebuffer& whole, const Framebuffer& part);
// True when the two pictures (of the same size) differ anywhere.
bool pictures_differ(const Framebuffer&, const Framebuffer&);

}
