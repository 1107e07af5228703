#include "core/model/mask_encode.h"

#include "core/common/error.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace segllm::model {

namespace {

int truncate_clip(double v, int side) {
    const double t = std::trunc(v);  // numpy astype(int) truncates toward zero
    if (!(t > 0.0)) {
        return 0;  // also NaN
    }
    return t >= side ? side : static_cast<int>(t);
}

}  // namespace

EncodeBox encode_box_from_prediction(double x0, double y0, double x1, double y1, int frame_side) {
    if (frame_side <= 0) {
        throw Error("encode_box_from_prediction: frame side must be positive, got " +
                    std::to_string(frame_side));
    }
    EncodeBox b;
    b.x0 = truncate_clip(x0, frame_side);
    b.y0 = truncate_clip(y0, frame_side);
    b.x1 = std::min(std::max(truncate_clip(x1, frame_side), b.x0 + 2), frame_side);
    b.y1 = std::min(std::max(truncate_clip(y1, frame_side), b.y0 + 2), frame_side);
    return b;
}

std::array<float, 4> box_encode_vector(const EncodeBox& box, int frame_side) {
    const auto s = static_cast<float>(frame_side);
    return {static_cast<float>(box.y0) / s, static_cast<float>(box.x0) / s,
            static_cast<float>(box.y1) / s, static_cast<float>(box.x1) / s};
}

RgbImage mask_encode_crop(const RgbImage& frame, const Mask& mask, const EncodeBox& box) {
    if (frame.width != mask.width || frame.height != mask.height) {
        throw Error("mask_encode_crop: image " + std::to_string(frame.width) + "x" +
                    std::to_string(frame.height) + " and mask " + std::to_string(mask.width) + "x" +
                    std::to_string(mask.height) + " differ in size");
    }
    if (box.x0 < 0 || box.y0 < 0 || box.x1 > frame.width || box.y1 > frame.height) {
        throw Error("mask_encode_crop: box (" + std::to_string(box.x0) + ", " +
                    std::to_string(box.y0) + ", " + std::to_string(box.x1) + ", " +
                    std::to_string(box.y1) + ") is outside the " + std::to_string(frame.width) +
                    "x" + std::to_string(frame.height) + " frame");
    }
    const int w = std::max(box.x1 - box.x0, 0);
    const int h = std::max(box.y1 - box.y0, 0);
    const int side = std::max(w, h);
    RgbImage out(side, side);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const int fx = box.x0 + x;
            const int fy = box.y0 + y;
            if (mask.at(fx, fy) != 0) {
                const std::uint8_t* src = frame.pixel(fx, fy);
                std::uint8_t* dst = out.pixel(x, y);
                dst[0] = src[0];
                dst[1] = src[1];
                dst[2] = src[2];
            }
        }
    }
    return out;
}

}  // namespace segllm::model
