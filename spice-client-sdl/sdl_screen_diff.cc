#include "spice-client-sdl/sdl_screen_diff.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace spicebox {

namespace {

struct Columns {
    int32_t left;
    int32_t right;
};

// The span of columns where row `y` differs; empty (left == right) when it does not.
Columns changed_columns(const Framebuffer& shown, const Framebuffer& current, uint32_t y)
{
    const uint32_t* a = shown.row(y);
    const uint32_t* b = current.row(y);
    uint32_t width = current.width;
    if (std::memcmp(a, b, size_t(width) * sizeof(uint32_t)) == 0)
        return { 0, 0 };
    uint32_t left = 0;
    while (a[left] == b[left])
        ++left;
    uint32_t right = width;
    while (a[right - 1] == b[right - 1])
        --right;
    return { int32_t(left), int32_t(right) };
}

}

std::vector<Rect> changed_rects(const Framebuffer& shown, const Framebuffer& current)
{
    if (shown.width != current.width || shown.height != current.height)
        return current.width && current.height ? std::vector<Rect> { { 0, 0, int32_t(current.width), int32_t(current.height) } }
                                               : std::vector<Rect> {};
    std::vector<Rect> rects;
    std::optional<Rect> open;
    for (uint32_t y = 0; y < current.height; ++y) {
        auto columns = changed_columns(shown, current, y);
        if (columns.right == columns.left) {
            if (open)
                rects.push_back(*open);
            open.reset();
            continue;
        }
        if (!open)
            open = Rect { columns.left, int32_t(y), columns.right, int32_t(y) + 1 };
        open->left = std::min(open->left, columns.left);
        open->right = std::max(open->right, columns.right);
        open->bottom = int32_t(y) + 1;
    }
    if (open)
        rects.push_back(*open);
    return rects;
}

void copy_rects(Framebuffer& shown, const Framebuffer& current, const std::vector<Rect>& rects)
{
    if (shown.width != current.width || shown.height != current.height) {
        shown = current;
        return;
    }
    for (auto& rect : rects) {
        for (int32_t y = rect.top; y < rect.bottom; ++y)
            std::memcpy(shown.row(uint32_t(y)) + rect.left, current.row(uint32_t(y)) + rect.left, size_t(rect.width()) * sizeof(uint32_t));
    }
}

} // namespace spicebox
