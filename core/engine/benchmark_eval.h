#pragma once
// Scoring a benchmark folder autoregressively (synthetic-world.md, "Scoring"): each
// conversation's rounds are asked in order in one session, so [k] refers to the model's own
// output of round k; each round's mask is compared with its ground truth at the image's size.
// Built with OpenCV only (images and masks are PNG files).

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
    // Called after each conversation with (done, total).
    std::function<void(int, int)> progress;
    const std::atomic<bool>* cancel = nullptr;  // checked between rounds (throws Cancelled)
};

// Runs and scores the conversations. Rounds without a ground-truth mask are asked but not
// scored. Throws segllm::Error naming the JSON file of the conversation that failed (an
// unreadable image or mask, a mask of another size, a round the model refused).
BenchmarkScores evaluate_benchmark(const Engine& engine,
                                   const std::vector<synth::BenchmarkEntry>& entries,
                                   const EvalOptions& options = {});

}  // namespace segllm::engine
