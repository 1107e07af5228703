#pragma once
// Segmentation scores of synthetic-world.md ("Scoring"): per round index r over all
// conversations, cIoU_r = sum of intersections / sum of unions and gIoU_r = mean per-round IoU
// (an empty union counts as IoU 1); the same per relation type and over everything. Masks are
// compared at the original image resolution. Plain C++.

#include "core/image/mask.h"

#include <cstdint>
#include <map>
#include <string>

namespace segllm::engine {

// IoU of two masks of the same size; 1 when both are empty. Throws segllm::Error when the
// sizes differ.
double mask_iou(const Mask& prediction, const Mask& truth);

// Sums of one group of predictions.
struct IouTally {
    std::int64_t intersection = 0;  // sum of intersections
    std::int64_t union_ = 0;        // sum of unions
    double iou_sum = 0.0;           // sum of per-prediction IoU
    int count = 0;

    // Adds one prediction (throws segllm::Error when the sizes differ).
    void add(const Mask& prediction, const Mask& truth);
    // sum I / sum U; 1 when every union was empty; 0 when nothing was added.
    double ciou() const;
    // mean IoU; 0 when nothing was added.
    double giou() const;
};

// Scores of a benchmark run.
struct BenchmarkScores {
    std::map<int, IouTally> rounds;         // by 1-based round index
    std::map<std::string, IouTally> types;  // by relation type name ("positional", ...)
    IouTally overall;

    // Adds round `round`'s prediction; `type` may be empty (not counted per type).
    void add(int round, const std::string& type, const Mask& prediction, const Mask& truth);
    // {"rounds": [{"round": 1, "ciou": .., "giou": .., "count": ..}, ...],
    //  "types": {"positional": {"ciou": .., "giou": .., "count": ..}, ...},
    //  "overall": {"ciou": .., "giou": .., "count": ..}} (two-space indent, trailing newline).
    std::string to_json() const;
    // Human-readable tables: per round, per type, overall.
    std::string to_table() const;
};

}  // namespace segllm::engine
