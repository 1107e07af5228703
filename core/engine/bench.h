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

#include "core/image/rgb_image.h"

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
    // After the timed runs, one more incremental conversation with a LibTorch operator observer:
    // operator counts per round and the time of the outermost operators by name.
    bool op_profile = false;
    std::function<void(const std::string&)> log;  // progress lines (optional)
    // Called with the finished report before the model and the session are torn down
    // (optional), so the figures are out even if the teardown fails.
    std::function<void(const BenchReport&)> on_report;
};

struct BenchRound {
    int round = 0;                    // 1-based
    int references = 0;               // instances referenced by the prompt ([k])
    double incremental_ms = 0.0;      // median wall time of ask() in incremental mode
    double recompute_ms = 0.0;        // same in recompute mode
    double incremental_llm_ms = 0.0;  // median LLM stage time, incremental
    // Median stage times of the incremental round (engine RoundTimings): references = input
    // rows, decode = SEG projector + HIPIE decode + selection, mask = mask to the original size
    // + the new instance's mask-encode / box-encode rows.
    double incremental_prompt_ms = 0.0;
    double incremental_references_ms = 0.0;
    double incremental_decode_ms = 0.0;
    double incremental_mask_ms = 0.0;
    std::int64_t incremental_tokens = 0;  // LLM positions run by the round
    std::int64_t recompute_tokens = 0;
    std::int64_t context_tokens = 0;  // conversation length after the round
    // The round's mask in incremental mode (to compare builds): its area and a 64-bit FNV-1a
    // hash of its 0/1 pixels.
    std::int64_t mask_area = 0;
    std::uint64_t mask_hash = 0;
    double floor_ms = 0.0;     // max(bytes/bandwidth, flops/throughput); 0 without floor
    double floor_flops = 0.0;  // LLM FLOPs of the incremental round
};

// One operator name of the operator profile: calls of it as an outermost operator (not inside
// another operator) and their summed wall time, plus its calls at any depth.
struct BenchOpStat {
    std::string name;  // "aten::linear", ...
    std::int64_t outer_calls = 0;
    double outer_ms = 0.0;
    std::int64_t all_calls = 0;
};

struct BenchReport {
    std::string device;  // "cpu" / "cuda:0"
    std::string dtype;
    std::string model;  // folder or "random <preset>"
    int image_width = 0;
    int image_height = 0;
    int repeats = 0;
    int threads = 0;          // intra-op threads in force (at::get_num_threads())
    double open_ms = 0.0;     // median of the image opens (both encoders + caches)
    double decode_ms = -1.0;  // median decode of BenchOptions::image_file; < 0: not measured
    std::vector<BenchRound> rounds;
    double peak_rss_mb = 0.0;   // VmHWM of the process
    double peak_gpu_mb = -1.0;  // CUDA peak allocated; < 0: not available
    // Operator profile (valid when has_op_profile): per round, the operators run (any depth)
    // and the outermost ones; ops sorted by outer_ms, largest first.
    bool has_op_profile = false;
    std::vector<std::int64_t> round_ops;
    std::vector<std::int64_t> round_outer_ops;
    std::vector<BenchOpStat> ops;
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

// The synthetic input of run_bench without a model: the shapes-world scene of `seed` enlarged
// (pixel replication) to width x height and the prompts of its `rounds`-round conversation.
struct BenchScene {
    RgbImage image;
    std::vector<std::string> prompts;  // one per round, referencing earlier rounds as "[k]"
};
// Throws segllm::Error for rounds outside 1..8 or a size outside 96..4096.
BenchScene make_bench_scene(std::uint64_t seed, int rounds, int width, int height);

// Writes a model folder (config.json, model.safetensors, tokenizer.model/.json) of `preset` with
// random weights (f32, seeded) and the small shapes-world tokenizer run_bench trains, for
// benchmarks that load a folder (segllm-studio-bench). Throws segllm::Error for an unknown
// preset or when the folder cannot be written.
void write_random_model_folder(const std::string& preset, std::uint64_t seed,
                               const std::string& dir);

// Peak resident memory of this process (VmHWM of /proc/self/status) in MiB; < 0 when unknown.
double peak_rss_mb();

}  // namespace segllm::engine
