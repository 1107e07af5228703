#pragma once
// Where does the model lose track of place? Linear read-outs of position from the features a
// trained model computes on generated shapes-world conversations (teacher-forced, the true
// answers as history), for `segllm probe-position`:
//   - the CLIP patch features and the image rows the LLM reads (mm_projector of them), and the
//     LLM's last hidden states at those rows -> the patch's centre;
//   - the hidden state before each <seg> (what the 8 language tokens are made from) -> the centre
//     of the object the round asks for, reported per relation type; in the rounds that name an
//     instance [k], also -> the centre of [k] and -> the answer's centre minus [k]'s (does the
//     state know where [k] lies, and which way and how far the answer lies from it?);
//   - the same state -> the word that picks among candidates and what it picks: in "the large /
//     small red circle" rounds, +-1 for the word and the answer's size (size_probe_target); in
//     "nearest to / farthest from [k]", +-1 and the answer's distance from [k]; in "left of /
//     right of / above / below [k]", the word as (-1, 0), (1, 0), (0, -1) and (0, 1).
// Each read-out is a ridge regression fitted on the conversations of even index and scored
// (R^2 of x and of y) on the odd ones, so that a read-out cannot memorise the scenes it is
// scored on. R^2 near 1: the features say where; near 0 or below: they do not (a linear read-out
// cannot find it).

#include "core/text/tokenizer.h"
#include "core/train/trainer.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace segllm::train {

struct PositionProbeOptions {
    int conversations = 400;  // generated conversations (half fit the read-outs, half score them)
    std::uint64_t seed = 4242;
    int max_rounds = 8;        // rounds per conversation: 1..max_rounds
    bool mixed_sizes = false;  // false: 128x128 scenes; true: sides 96..512 drawn per scene
    bool mask_memory = true;   // false: the history's mask/box-encode rows are left out
    double ridge = 1e-3;       // ridge penalty per row, on standardised features
    int batch = 8;             // conversations per forward
};

// One read-out: features -> (x, y), both normalised to 0..1 of their frame.
struct PositionFit {
    std::string features;  // "clip patches", "image rows", "llm at image rows", "<seg> state"
    // "patch centre", "answer centre", "[k] centre", "answer - [k]", or for the words (x, y):
    // "large / area", "far / distance", "right / below"
    std::string target;
    // the rows scored: "all", a relation type for the <seg> state, or for the words "size
    // rounds", "near/far rounds", "side rounds"
    std::string subset;
    std::int64_t fit_rows = 0;
    std::int64_t scored_rows = 0;
    double r2_x = 0, r2_y = 0;
};

// Where the state before each <seg> looks: per decoder layer, the attention mass on the image
// rows its answer covers (or those of the instance [k] names), as the mean over the rounds of
// the head that puts the most there.
struct AttentionLook {
    std::string rows;    // "answer" or "instance [k]"
    std::string subset;  // as PositionFit::subset
    std::int64_t rounds = 0;
    double uniform = 0;          // the mean mass of attention spread evenly over the keys
    std::vector<double> layers;  // per decoder layer: the best head's mean mass
    std::vector<int> heads;      // that head
};

struct PositionProbeReport {
    std::vector<PositionFit> fits;
    std::vector<AttentionLook> looks;
    std::int64_t conversations = 0;  // used (a conversation whose answer vanishes is redrawn)
    std::int64_t rounds = 0;
};

// Fits y ~ x W + b by ridge regression on the rows where `fit` is true (features standardised
// with those rows' mean and deviation; penalty ridge * rows) and returns the R^2 of each target
// column on the other rows, or on the rows of `score` when given (a subset of the others).
// x: [N, D], y: [N, K], fit / score: [N] bool. Throws segllm::Error for mismatched sizes or
// fewer than two rows on either side.
std::vector<double> ridge_r2(const at::Tensor& x, const at::Tensor& y, const at::Tensor& fit,
                             double ridge, const at::Tensor& score = {});

// Runs the read-outs on `model` (its device; no gradients). `progress`, when set, is called
// with (conversations done, total). Throws segllm::Error for options out of range.
PositionProbeReport probe_positions(TrainingModel& model, const text::Tokenizer& tokenizer,
                                    const PositionProbeOptions& options,
                                    const std::function<void(int, int)>& progress = {});

}  // namespace segllm::train
