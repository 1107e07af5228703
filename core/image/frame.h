#pragma once
// The padded square frame of the mask decoder (HIPIE / SAM "ResizeLongestSide"): the image is
// scaled so its longest side becomes `side`, then zero-padded at the bottom and right to
// side x side. Maps points, boxes and masks between the original image and that frame.
//
// Coordinates are continuous pixel coordinates: pixel (i, j) covers [i, i+1) x [j, j+1), so the
// image spans [0, width] x [0, height]. A point maps per axis with the ratio of the resized to the
// original size (resized_w / orig_w, resized_h / orig_h), as ResizeLongestSide.apply_coords does;
// this differs from `scale` only by the rounding of the resized size.

#include "core/image/mask.h"

#include <vector>

namespace segllm {

struct ModelFrame {
    int orig_w = 0;
    int orig_h = 0;
    int side = 0;       // the padded square's side
    int resized_w = 0;  // size of the resized image in the top-left corner of the square
    int resized_h = 0;
    double scale = 0.0;  // side / max(orig_w, orig_h)
};

struct PointF {
    double x = 0.0;
    double y = 0.0;
};

// x0, y0: top-left corner; x1, y1: bottom-right corner (continuous coordinates).
struct BoxF {
    double x0 = 0.0;
    double y0 = 0.0;
    double x1 = 0.0;
    double y1 = 0.0;
};

// Frame of an orig_w x orig_h image: scale = side * 1.0 / max(w, h),
// resized = (int(w * scale + 0.5), int(h * scale + 0.5)) as in
// ResizeLongestSide.get_preprocess_shape, raised to at least 1 (the reference would fail on such
// extreme aspect ratios). Throws Error if a size is not positive.
ModelFrame make_model_frame(int orig_w, int orig_h, int side = 1024);

// Original image coordinates -> padded frame coordinates, and back.
PointF point_to_frame(const ModelFrame& frame, PointF p);
PointF point_from_frame(const ModelFrame& frame, PointF p);
BoxF box_to_frame(const ModelFrame& frame, const BoxF& box);
BoxF box_from_frame(const ModelFrame& frame, const BoxF& box);

// A mask of the original size into the frame, as the reference prepares masks: the mask as 0/1
// bytes (any non-zero = 1) is resized to resized_w x resized_h with PIL bilinear (a pixel becomes
// 1 where the interpolated value is >= 0.5), then zero-padded to side x side.
// Throws Error if the mask is not orig_w x orig_h.
Mask mask_to_frame(const Mask& orig, const ModelFrame& frame);

// A side x side frame mask back to the original size: the valid region [0, resized_w) x
// [0, resized_h) is cropped (padding is dropped) and resized to orig_w x orig_h with PIL bilinear
// on 0/1 bytes, i.e. a pixel is 1 where the bilinearly interpolated (antialiased when shrinking)
// coverage is >= 0.5. Result values are 0/1. Throws Error if the mask is not side x side.
Mask mask_from_frame(const Mask& padded, const ModelFrame& frame);

// Mask logits of the padded frame (side x side, row-major) to a mask of the original size, the
// way the frame's own mask is made from the stride-4 logits: the logits are interpolated
// bilinearly at each original pixel's centre (half-pixel centres, clamped to the valid region,
// so the padding is never read) and thresholded, sigmoid(logit) > threshold. The boundary
// follows the logits between frame pixels instead of the frame's pixel staircase, so a large
// image gets a smooth mask; an image of the frame's size gets exactly the thresholded frame.
// Throws Error if logits is not side x side or threshold is not in (0, 1).
Mask mask_from_frame_logits(const std::vector<float>& logits, const ModelFrame& frame,
                            double threshold);

}  // namespace segllm
