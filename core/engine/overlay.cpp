#include "core/engine/overlay.h"

#include "core/common/error.h"

#include <cmath>
#include <string>

namespace segllm::engine {

std::array<std::uint8_t, 3> instance_colour(int index) {
    static const std::array<std::array<std::uint8_t, 3>, 12> palette = {{
        {230, 25, 75},
        {60, 180, 75},
        {0, 130, 200},
        {255, 225, 25},
        {145, 30, 180},
        {245, 130, 48},
        {70, 240, 240},
        {240, 50, 230},
        {210, 245, 60},
        {250, 190, 212},
        {0, 128, 128},
        {170, 110, 40},
    }};
    const int n = static_cast<int>(palette.size());
    return palette[static_cast<std::size_t>(((index % n) + n) % n)];
}

RgbImage render_overlay(const RgbImage& image, const std::vector<Mask>& masks, double alpha) {
    if (!(alpha >= 0.0 && alpha <= 1.0)) {
        throw Error("overlay: alpha must be in [0, 1], got " + std::to_string(alpha));
    }
    RgbImage out = image;
    for (std::size_t m = 0; m < masks.size(); ++m) {
        const Mask& mask = masks[m];
        if (mask.width != image.width || mask.height != image.height) {
            throw Error("overlay: mask " + std::to_string(m + 1) + " is " +
                        std::to_string(mask.width) + "x" + std::to_string(mask.height) +
                        " but the image is " + std::to_string(image.width) + "x" +
                        std::to_string(image.height));
        }
        const auto colour = instance_colour(static_cast<int>(m));
        auto inside = [&](int x, int y) {
            return x >= 0 && y >= 0 && x < mask.width && y < mask.height && mask.at(x, y) != 0;
        };
        for (int y = 0; y < mask.height; ++y) {
            for (int x = 0; x < mask.width; ++x) {
                if (!inside(x, y)) {
                    continue;
                }
                const bool edge = !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) ||
                                  !inside(x, y + 1);
                std::uint8_t* p = out.pixel(x, y);
                for (int c = 0; c < 3; ++c) {
                    p[c] = edge ? colour[static_cast<std::size_t>(c)]
                                : static_cast<std::uint8_t>(
                                      std::lround((1.0 - alpha) * p[c] +
                                                  alpha * colour[static_cast<std::size_t>(c)]));
                }
            }
        }
    }
    return out;
}

}  // namespace segllm::engine
