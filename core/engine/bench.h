#pragma once
// `segllm bench` (issue "Performance", first step: measurement only). Times image open and each
// round of a shapes-world conversation in incremental and in recompute mode, reads the peak
// memory and, when asked (the full-size config), compares a round with its floor: the LLM bytes
// it must read over the measured memory bandwidth and its FLOPs over the measured matmul
// throughput. No LibTorch or Qt types here.
//
// Random weights need a tokenizer (the engine refuses a model without one): a small BPE
// tokenizer is trained on shapes-world sentences in a temporary folder and the configuration's
// LLM vocabulary is set to its size (~500 instead of 32011 for segllm-7b). This changes only the
// embedding table and lm_head, which a round does not read in full (embedding: a gather;
// lm_head: not applied), so the round's cost and its floor are those of the full model.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace segllm::engine {

struct BenchReport;

struct BenchOptions {
    std::string model_dir;  // a model folder; empty: `config` with random weights
    std::string config;     // a preset ("segllm-tiny", "segllm-7b") used when model_dir is empty
    std::string device = "auto";  // "auto", "cpu", "cuda"
    std::string dtype = "f32";    // "f32", "bf16", "f16"
    int rounds = 8;               // 1..8 rounds of one conversation
    int width = 1024;             // synthetic scene size (upscaled beyond 512 px)
    int height = 768;
    std::string
        image_file;   // decode this image once instead (needs OpenCV); prompts stay synthetic
    int repeats = 3;  // runs of each mode (medians over them); image open: max(repeats, 3)
    std::uint64_t seed = 1;  // weights, scene and conversation
    bool floor = false;      // also measure bandwidth / matmul throughput and the round floor
    std::function<void(const std::string&)> log;  // progress lines (optional)
    // Called with the finished report before the model and the session are torn down
    // (optional), so the figures are out even if the teardown fails.
    std::function<void(const BenchReport&)> on_report;
};

struct BenchRound {
    int round = 0;                        // 1-based
    int references = 0;                   // instances referenced by the prompt ([k])
    double incremental_ms = 0.0;          // median wall time of ask() in incremental mode
    double recompute_ms = 0.0;            // same in recompute mode
    double incremental_llm_ms = 0.0;      // median LLM stage time, incremental
    std::int64_t incremental_tokens = 0;  // LLM positions run by the round
    std::int64_t recompute_tokens = 0;
    std::int64_t context_tokens = 0;  // conversation length after the round
    double floor_ms = 0.0;            // max(bytes/bandwidth, flops/throughput); 0 without floor
    double floor_flops = 0.0;         // LLM FLOPs of the incremental round
};

struct BenchReport {
    std::string device;  // "cpu" / "cuda:0"
    std::string dtype;
    std::string model;  // folder or "random <preset>"
    int image_width = 0;
    int image_height = 0;
    int repeats = 0;
    double open_ms = 0.0;  // median of the image opens (both encoders + caches)
    std::vector<BenchRound> rounds;
    double peak_rss_mb = 0.0;   // VmHWM of the process
    double peak_gpu_mb = -1.0;  // CUDA peak allocated; < 0: not available
    // Floor (valid when has_floor).
    bool has_floor = false;
    double weight_bytes = 0.0;    // LLM decoder weights read by every round
    double bandwidth_gb_s = 0.0;  // measured device copy bandwidth (read + write)
    double matmul_tflops = 0.0;   // measured matmul throughput in the bench dtype
};

// Runs the benchmark. Throws segllm::Error for invalid options (rounds outside 1..8, repeats
// < 1, a size outside 96..4096, an unknown preset, neither model_dir nor config) or any failure
// of loading / running.
BenchReport run_bench(const BenchOptions& options);

// {"open_ms", "rounds": [{"round", "incremental_ms", "recompute_ms", ...}], "peak_rss_mb",
// "peak_gpu_mb" (null when n/a), ...floor fields when present} as indented JSON.
std::string bench_report_json(const BenchReport& report);

// A human-readable table of the report.
std::string bench_report_text(const BenchReport& report);

// Peak resident memory of this process (VmHWM of /proc/self/status) in MiB; < 0 when unknown.
double peak_rss_mb();

}  // namespace segllm::engine
