#pragma once
// The --size option of the benchmark generator (gen-bench, eval --generated).

#include "core/synth/benchmark_format.h"

#include <string>

namespace segllm::cli {

// "WxH", "N" (square) or "mixed" into `options` (size, or mixed_size); throws segllm::Error
// naming the bad value when a side lies outside the world's 96..512.
void parse_benchmark_size(const std::string& text, synth::BenchmarkOptions& options);

}  // namespace segllm::cli
