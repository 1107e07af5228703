#pragma once
// The SegLLM selection rule on HIPIE's foreground queries (segllm-reference.md 4.3, 9.10):
// per-class means of the token logits (class 0 = reference tokens [0, T/2), class 1 = target
// tokens [T/2, T)), prob = sqrt(sigmoid(s_c) * sigmoid(iou)), class-aware NMS on each query's
// argmax class, top-k over (kept query, class) pairs, then the best entry that is not of the
// reference class.

#include <ATen/ATen.h>

#include <array>
#include <cstdint>
#include <vector>

namespace segllm::hipie {

struct HipieSelectionOptions {
    double nms_iou = 0.7;          // suppress same-class boxes with IoU strictly above this
    int64_t max_detections = 100;  // k = min(max_detections, 2 * kept)
    int64_t reference_class = 0;   // the class whose entries are dropped
    double side = 1024.0;          // boxes are reported as xyxy * side (the padded frame)
};

struct HipieCandidate {
    int64_t query = -1;          // foreground query index
    int64_t cls = -1;            // 0 = reference, 1 = target
    float score = 0.0F;          // sqrt(sigmoid(mean class logit) * sigmoid(iou))
    std::array<float, 4> box{};  // x0, y0, x1, y1 in pixels of the padded frame
};

struct HipieSelection {
    std::vector<HipieCandidate> ranked;  // the top-k entries, best first
    HipieCandidate chosen;               // best entry whose class is not the reference class
    int64_t chosen_rank = -1;            // its index in `ranked`, or -1 when the top-k
                                         // truncation left no such entry (then `chosen` is the
                                         // best non-reference entry among the NMS survivors)
    std::vector<int64_t> kept;           // NMS survivors, by decreasing score
};

// logits [Q, T] (T even, >= 2), ious [Q] (or [Q, 1]) raw IoU-head outputs, boxes [Q, 4]
// normalised (cx, cy, w, h). Ties keep the lower query index first. Throws segllm::Error for
// bad shapes or Q == 0.
HipieSelection select_target(const at::Tensor& logits, const at::Tensor& ious,
                             const at::Tensor& boxes, const HipieSelectionOptions& options);

}  // namespace segllm::hipie
