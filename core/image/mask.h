#pragma once
// Binary masks and pixel boxes: pure, CPU-only utilities.

#include <cstdint>
#include <optional>
#include <vector>

namespace segllm {

// Inclusive pixel box: x0..x1, y0..y1 are all inside the mask.
struct PixelBox {
    int x0 = 0;
    int y0 = 0;
    int x1 = -1;
    int y1 = -1;
    int width() const { return x1 - x0 + 1; }
    int height() const { return y1 - y0 + 1; }
    bool operator==(const PixelBox& o) const {
        return x0 == o.x0 && y0 == o.y0 && x1 == o.x1 && y1 == o.y1;
    }
};

// Row-major, one byte per pixel, 0 = background, 1 = object (any non-zero is treated as 1).
struct Mask {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> data;

    Mask() = default;
    Mask(int w, int h) : width(w), height(h), data(static_cast<std::size_t>(w) * h, 0) {}
    bool empty() const { return width <= 0 || height <= 0; }
    std::uint8_t& at(int x, int y) { return data[static_cast<std::size_t>(y) * width + x]; }
    std::uint8_t at(int x, int y) const { return data[static_cast<std::size_t>(y) * width + x]; }
    bool operator==(const Mask& o) const;
    bool operator!=(const Mask& o) const { return !(*this == o); }
};

// Number of set pixels.
std::int64_t mask_area(const Mask& mask);
// Tight box of the set pixels; nullopt for an empty mask.
std::optional<PixelBox> mask_box(const Mask& mask);
// Intersection and union pixel counts of two masks of the same size (throws Error otherwise).
std::int64_t mask_intersection(const Mask& a, const Mask& b);
std::int64_t mask_union(const Mask& a, const Mask& b);

}  // namespace segllm
