#pragma once
// Segmentation scores of synthetic-world.md ("Scoring"): per round index r over all
// conversations, cIoU_r = sum of intersections / sum of unions and gIoU_r = mean per-round IoU
// (an empty union counts as IoU 1); the same per relation type and over everything. Masks are
// compared at the original image resolution. Plain C++.

#include "core/image/mask.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

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

// What a prediction segmented, for the error analysis of a benchmark run (IoU > 0.5 with):
// the target; else an instance that the round's [k] names (its ground truth); else the answer of
// another earlier round; else something else (another object, a fragment, background).
enum class RoundOutcome { target, referenced, earlier, elsewhere };

// Counts of one group of rounds in the error analysis.
struct OutcomeTally {
    int rounds = 0;
    int target = 0;
    int referenced = 0;
    int earlier = 0;
    int elsewhere = 0;
    int candidate = 0;  // rounds where one of the decoder's ranked candidates has IoU > 0.5
    // Mask quality apart from the choice: the sum of the prediction's IoU with the target over
    // the rounds whose outcome is the target, and the sum over all rounds of the best IoU any
    // ranked candidate has with the target (what a perfect choice among them would score).
    double target_iou_sum = 0.0;
    double best_candidate_iou_sum = 0.0;

    // `prediction_iou`: the prediction's IoU with the target; `best_candidate_iou`: the best
    // IoU with the target among the decoder's ranked candidates (> 0.5 counts as `candidate`).
    void add(RoundOutcome outcome, double prediction_iou, double best_candidate_iou);
    // Mean IoU of the rounds that segmented the target (0 when none did).
    double target_iou() const;
    // Mean over all rounds of the best candidate's IoU (0 without rounds).
    double best_candidate_iou() const;
};

// The outcome of a prediction given the round's truth, the truths of the instances its [k]
// name and those of the other earlier rounds (all the prediction's size).
RoundOutcome classify_outcome(const Mask& prediction, const Mask& truth,
                              const std::vector<const Mask*>& referenced,
                              const std::vector<const Mask*>& earlier);

// Scores of a benchmark run.
struct BenchmarkScores {
    std::map<int, IouTally> rounds;         // by 1-based round index
    std::map<std::string, IouTally> types;  // by relation type name ("positional", ...)
    IouTally overall;
    // Error analysis (only when asked): by relation type name, and over all rounds.
    std::map<std::string, OutcomeTally> outcomes;
    OutcomeTally overall_outcome;
    // Error analysis by expression form (synth::form_name: "size", "left_of", ...; rounds whose
    // prompt holds none of the world's expressions are not counted): scores and outcomes.
    std::map<std::string, IouTally> forms;
    std::map<std::string, OutcomeTally> form_outcomes;
    // Whether the error analysis was run (any outcome added).
    bool has_outcomes() const { return overall_outcome.rounds > 0; }

    // Adds round `round`'s prediction; `type` may be empty (not counted per type).
    void add(int round, const std::string& type, const Mask& prediction, const Mask& truth);
    // Adds a round's outcome to the error analysis (by type when `type` is not empty, and
    // overall); the IoUs as for OutcomeTally::add.
    void add_outcome(const std::string& type, RoundOutcome outcome, double prediction_iou,
                     double best_candidate_iou);
    // Adds a round to the error analysis by form (its score and outcome as above).
    void add_form(const std::string& form, const Mask& prediction, const Mask& truth,
                  RoundOutcome outcome, double prediction_iou, double best_candidate_iou);
    // {"rounds": [{"round": 1, "ciou": .., "giou": .., "count": ..}, ...],
    //  "types": {"positional": {"ciou": .., "giou": .., "count": ..}, ...},
    //  "overall": {"ciou": .., "giou": .., "count": ..}} (two-space indent, trailing newline);
    // with the error analysis also "outcomes": {"positional": {"rounds": .., "target": ..,
    // "referenced": .., "earlier": .., "elsewhere": .., "candidate": .., "target_iou": ..,
    // "best_candidate_iou": ..}, ..., "overall": {..}} and "forms": {"size": {"ciou": ..,
    // "giou": .., "count": .., "rounds": .., "target": .., ...}, ...}.
    std::string to_json() const;
    // Human-readable tables: per round, per type, overall (and the error analysis, as shares).
    std::string to_table() const;
};

}  // namespace segllm::engine
