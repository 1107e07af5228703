#pragma once
// The benchmark generator's options, shared by gen-bench and eval --generated.

#include "app/segllm/args.h"
#include "core/synth/benchmark_format.h"

#include <string>

namespace segllm::cli {

// "WxH", "N" (square) or "mixed" into `options` (size, or mixed_size); throws segllm::Error
// naming the bad value when a side lies outside the world's 96..512.
void parse_benchmark_size(const std::string& text, synth::BenchmarkOptions& options);

// Count (option `count_option`, 1..1000000), --seed (>= 0), rounds (options `min_option` and
// `max_option`, 1 <= min <= max <= 8) and --size; throws segllm::Error naming the option and the
// bad value.
synth::BenchmarkOptions read_benchmark_options(const Args& args, const std::string& count_option,
                                               const std::string& min_option,
                                               const std::string& max_option);

}  // namespace segllm::cli
