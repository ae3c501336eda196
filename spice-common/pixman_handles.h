// Owning handles for pixman's reference-counted images and its regions, so that every early return
// in the canvas releases what it created. Internal to spice-common: only .cc files include pixman.
#pragma once

#include "spice-common/framebuffer.h"

#include <pixman.h>

#include <memory>
#include <span>

namespace spicebox {

struct PixmanImageUnref {
    void operator()(pixman_image_t* image) const { pixman_image_unref(image); }
};

using PixmanImage = std::unique_ptr<pixman_image_t, PixmanImageUnref>;

// A 32-bit pixman region (y-x banded rectangles).
class PixmanRegion {
public:
    PixmanRegion() { pixman_region32_init(&m_region); }
    explicit PixmanRegion(const Rect& rect)
    {
        if (rect.empty())
            pixman_region32_init(&m_region);
        else
            pixman_region32_init_rect(&m_region, rect.left, rect.top, unsigned(rect.width()), unsigned(rect.height()));
    }
    explicit PixmanRegion(std::span<const pixman_box32_t> boxes)
    {
        pixman_region32_init_rects(&m_region, boxes.data(), int(boxes.size()));
    }
    ~PixmanRegion() { pixman_region32_fini(&m_region); }
    PixmanRegion(const PixmanRegion&) = delete;
    PixmanRegion& operator=(const PixmanRegion&) = delete;

    pixman_region32_t* get() { return &m_region; }
    const pixman_region32_t* get() const { return &m_region; }

    bool empty() const { return !pixman_region32_not_empty(const_cast<pixman_region32_t*>(&m_region)); }
    void intersect(const Rect& rect)
    {
        PixmanRegion other(rect);
        pixman_region32_intersect(&m_region, &m_region, other.get());
    }
    void intersect(PixmanRegion& other) { pixman_region32_intersect(&m_region, &m_region, other.get()); }
    void translate(int32_t dx, int32_t dy) { pixman_region32_translate(&m_region, dx, dy); }
    // The opaque pixels of an a1 image.
    void assign_from_a1_image(pixman_image_t* image)
    {
        pixman_region32_fini(&m_region);
        pixman_region32_init_from_image(&m_region, image);
    }
    // Everything inside `bounds` that the region does not cover.
    void invert_within(const Rect& bounds)
    {
        pixman_box32_t box { bounds.left, bounds.top, bounds.right, bounds.bottom };
        pixman_region32_inverse(&m_region, &m_region, &box);
    }

    std::span<const pixman_box32_t> boxes() const
    {
        int count = 0;
        const pixman_box32_t* boxes = pixman_region32_rectangles(const_cast<pixman_region32_t*>(&m_region), &count);
        return { boxes, size_t(count) };
    }
    Rect extents() const
    {
        const pixman_box32_t* box = pixman_region32_extents(const_cast<pixman_region32_t*>(&m_region));
        return Rect { box->x1, box->y1, box->x2, box->y2 };
    }

private:
    pixman_region32_t m_region;
};

} // namespace spicebox
