#pragma once
// Pure CPU part of SegLLM's mask-encode / box-encode inputs (segllm-reference.md 3.1, 3.2):
// the box rule, the masked crop pasted into a square, and the box vector. No LibTorch.

#include "core/image/mask.h"
#include "core/image/rgb_image.h"

#include <array>

namespace segllm::model {

// Integer crop box in the padded square frame, exclusive ends: columns x0..x1-1, rows y0..y1-1.
struct EncodeBox {
    int x0 = 0;
    int y0 = 0;
    int x1 = 0;
    int y1 = 0;
    bool operator==(const EncodeBox& o) const {
        return x0 == o.x0 && y0 == o.y0 && x1 == o.x1 && y1 == o.y1;
    }
};

// The official rule for a predicted XYXY box (pixels of the `frame_side` frame): each coordinate
// truncated to an integer and clipped to [0, frame_side]; then x1 = min(max(x1, x0 + 2),
// frame_side) and likewise y1. Throws segllm::Error if frame_side is not positive.
EncodeBox encode_box_from_prediction(double x0, double y0, double x1, double y1, int frame_side);

// Box-encode vector (top, left, bottom, right) / frame_side = (y0, x0, y1, x1) / frame_side.
std::array<float, 4> box_encode_vector(const EncodeBox& box, int frame_side);

// The mask-encode image: `frame` (the padded square frame) with pixels outside `mask` set to 0,
// rows y0..y1-1 and columns x0..x1-1 cut out and pasted into the top-left corner of a black
// square of side max(x1 - x0, y1 - y0). The result goes through the CLIP preprocessing next.
// Throws segllm::Error if frame and mask differ in size or the box is outside the frame; an
// empty box gives an empty image.
RgbImage mask_encode_crop(const RgbImage& frame, const Mask& mask, const EncodeBox& box);

}  // namespace segllm::model
