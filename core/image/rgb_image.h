#pragma once
// Plain image and mask types shared by every room (no LibTorch, no Qt, no OpenCV).

#include <cstdint>
#include <vector>

namespace segllm {

// 8-bit RGB, row-major, interleaved (R, G, B per pixel), no row padding.
struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> data;  // width * height * 3

    RgbImage() = default;
    RgbImage(int w, int h) : width(w), height(h), data(static_cast<std::size_t>(w) * h * 3, 0) {}
    bool empty() const { return width <= 0 || height <= 0; }
    std::uint8_t* pixel(int x, int y) { return &data[(static_cast<std::size_t>(y) * width + x) * 3]; }
    const std::uint8_t* pixel(int x, int y) const {
        return &data[(static_cast<std::size_t>(y) * width + x) * 3];
    }
};

}  // namespace segllm
