#pragma once
// Scoring a benchmark autoregressively (synthetic-world.md, "Scoring"): each conversation's
// rounds are asked in order in one session, so [k] refers to the model's own output of round k;
// each round's mask is compared with its ground truth at the image's size. A benchmark folder
// (PNG images and masks) needs OpenCV (SEGLLM_HAVE_SYNTH_PNG); a generated benchmark is scored
// in memory and needs no image codec.

#include "core/engine/engine.h"
#include "core/engine/metrics.h"
#include "core/synth/benchmark_format.h"

#include <atomic>
#include <functional>
#include <vector>

namespace segllm::engine {

struct EvalOptions {
    int max_rounds = 0;      // score only rounds 1..max_rounds of each conversation (0: all)
    SessionOptions session;  // incremental / mask memory (the LISA-style ablation)
    // Corrected history: after each scored round its instance's mask is replaced by the ground
    // truth (Session::correct_mask), as an annotator who fixes every answer before asking on,
    // so [k] names the true object and each round measures the reasoning of that round alone.
    // Off: the synthetic world's autoregressive scoring ([k] is the model's own output).
    bool corrected_history = false;
    // Error analysis: for every scored round, whether the prediction is the target, an instance
    // named by the round's [k], another earlier round's answer or something else, and whether
    // the target is among the decoder's ranked candidates (BenchmarkScores::outcomes). It uses
    // the ground truths of the earlier rounds (their answers), not the scene's other objects.
    bool error_analysis = false;
    // Called after each conversation with (done, total).
    std::function<void(int, int)> progress;
    const std::atomic<bool>* cancel = nullptr;  // checked between rounds (throws Cancelled)
};

#ifdef SEGLLM_HAVE_SYNTH_PNG
// Runs and scores the conversations. Rounds without a ground-truth mask are asked but not
// scored. Throws segllm::Error naming the JSON file of the conversation that failed (an
// unreadable image or mask, a mask of another size, a round the model refused).
BenchmarkScores evaluate_benchmark(const Engine& engine,
                                   const std::vector<synth::BenchmarkEntry>& entries,
                                   const EvalOptions& options = {});
#endif

// Runs and scores conversations 0..generated.count-1 of a generated benchmark
// (synth::benchmark_conversation), without files: the same scores as writing them with
// synth::write_benchmark(dir, generated) and scoring read_benchmark(dir) with
// evaluate_benchmark. Throws segllm::Error for a count below 1, and naming the conversation
// (its file stem, "scene_0007") when one cannot be drawn or a round is refused.
BenchmarkScores evaluate_generated(const Engine& engine, const synth::BenchmarkOptions& generated,
                                   const EvalOptions& options = {});

}  // namespace segllm::engine
