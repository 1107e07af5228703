#pragma once
// Trainer options of the train tests: a small run (batch 2, 2-3 rounds, 400-piece tokenizer, no
// periodic checkpoints) in `dir`.

#include "core/train/trainer.h"

#include <QString>

#include <cstdint>

inline segllm::train::TrainerOptions small_trainer_options(const QString& dir, std::uint64_t seed,
                                                           std::int64_t steps) {
    segllm::train::TrainerOptions o;
    o.run_dir = dir.toStdString();
    o.batch = 2;
    o.steps = steps;
    o.seed = seed;
    o.save_every = 0;
    o.min_rounds = 2;
    o.max_rounds = 3;
    o.tokenizer_vocab = 400;
    return o;
}
