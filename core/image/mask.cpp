#include "core/image/mask.h"

#include "core/common/error.h"

#include <string>

namespace segllm {

namespace {
void require_same_size(const Mask& a, const Mask& b) {
    if (a.width != b.width || a.height != b.height) {
        throw Error("mask sizes differ: " + std::to_string(a.width) + "x" +
                    std::to_string(a.height) + " and " + std::to_string(b.width) + "x" +
                    std::to_string(b.height));
    }
}
}  // namespace

bool Mask::operator==(const Mask& o) const {
    if (width != o.width || height != o.height || data.size() != o.data.size()) {
        return false;
    }
    for (std::size_t i = 0; i < data.size(); ++i) {
        if ((data[i] != 0) != (o.data[i] != 0)) {
            return false;
        }
    }
    return true;
}

std::int64_t mask_area(const Mask& mask) {
    std::int64_t n = 0;
    for (std::uint8_t v : mask.data) {
        n += v != 0;
    }
    return n;
}

std::optional<PixelBox> mask_box(const Mask& mask) {
    PixelBox box{mask.width, mask.height, -1, -1};
    for (int y = 0; y < mask.height; ++y) {
        const std::uint8_t* row = &mask.data[static_cast<std::size_t>(y) * mask.width];
        for (int x = 0; x < mask.width; ++x) {
            if (row[x] != 0) {
                if (x < box.x0) box.x0 = x;
                if (x > box.x1) box.x1 = x;
                if (y < box.y0) box.y0 = y;
                if (y > box.y1) box.y1 = y;
            }
        }
    }
    if (box.x1 < 0) {
        return std::nullopt;
    }
    return box;
}

std::int64_t mask_intersection(const Mask& a, const Mask& b) {
    require_same_size(a, b);
    std::int64_t n = 0;
    for (std::size_t i = 0; i < a.data.size(); ++i) {
        n += (a.data[i] != 0) && (b.data[i] != 0);
    }
    return n;
}

std::int64_t mask_union(const Mask& a, const Mask& b) {
    require_same_size(a, b);
    std::int64_t n = 0;
    for (std::size_t i = 0; i < a.data.size(); ++i) {
        n += (a.data[i] != 0) || (b.data[i] != 0);
    }
    return n;
}

}  // namespace segllm
