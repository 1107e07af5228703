// segllm bench: image open and per-round latency (incremental and recompute), peak memory and,
// for the full-size config, the round's floor (issue "Performance", measurement only).

#include "app/segllm/args.h"
#include "app/segllm/model_args.h"
#include "core/common/error.h"
#include "core/common/runtime.h"
#include "core/engine/bench.h"
#include "core/engine/engine.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace segllm::cli {

namespace {

const std::vector<OptionSpec>& bench_options() {
    static const std::vector<OptionSpec> specs = {
        {"model", "DIR", "model folder (default: the shipped segllm-tiny)", ""},
        {"config", "PRESET", "segllm-tiny or segllm-7b (with --random-weights)", ""},
        {"random-weights", "", "build the --config preset with random weights", ""},
        {"device", "auto|cpu|cuda", "device to run on", "auto"},
        {"dtype", "f32|bf16|f16", "weights and activations", "f32"},
        {"rounds", "N", "rounds of the conversation (1..8)", "8"},
        {"image", "WxH", "synthetic shapes-world scene size", "1024x768"},
        {"image-file", "PATH", "decode this image once instead of a synthetic scene", ""},
        {"repeats", "N", "runs of each mode (medians)", "3"},
        {"seed", "N", "seed of the weights, scene and conversation", "1"},
        {"threads", "T", "intra-op threads (0: all hardware threads; default: as segllm sets them)",
         ""},
        {"floor", "", "also measure the floor (always on for segllm-7b)", ""},
        {"no-floor", "", "do not measure the floor (not even for segllm-7b)", ""},
        {"ops", "", "also count and time LibTorch operators of one conversation", ""},
        {"json", "FILE", "also write the figures as JSON", ""},
        {"help", "", "show this help", ""},
    };
    return specs;
}

void parse_size(const std::string& text, int& width, int& height) {
    const std::size_t x = text.find('x');
    try {
        if (x == std::string::npos) {
            throw Error("");
        }
        std::size_t used_w = 0;
        std::size_t used_h = 0;
        width = std::stoi(text.substr(0, x), &used_w);
        height = std::stoi(text.substr(x + 1), &used_h);
        if (used_w != x || used_h != text.size() - x - 1) {
            throw Error("");
        }
    } catch (const std::exception&) {
        throw Error("option '--image' expects WxH (e.g. 1024x768), got '" + text + "'");
    }
}

}  // namespace

int run_bench(const std::vector<std::string>& argv) {
    const Args args(bench_options(), argv);
    if (args.flag("help")) {
        std::printf(
            "Usage: segllm bench [--model DIR | --config segllm-7b|segllm-tiny --random-weights]\n"
            "                    [--device auto|cpu|cuda] [--dtype f32|bf16|f16] [--rounds 8]\n"
            "                    [--image WxH | --image-file PATH] [--repeats N] [--threads T]\n"
            "                    [--json FILE]\n\n"
            "After a warm-up, times the image open (decode-free: both encoders and caches) and\n"
            "each round of a shapes-world conversation in incremental mode (KV cache) and in\n"
            "recompute mode (the reference's way), medians over the repeats; prints the peak\n"
            "memory and, for segllm-7b or with --floor, the round's floor (LLM weight bytes over\n"
            "the measured bandwidth, FLOPs over the measured matmul throughput).\n"
            "Random weights come with a small tokenizer trained on the fly; the LLM vocabulary\n"
            "is set to its size (only the embedding table and lm_head shrink).\n\n"
            "Options:\n%s",
            format_options(bench_options()).c_str());
        return 0;
    }
    if (!args.positional().empty()) {
        throw Error("unexpected argument '" + args.positional().front() + "' (see --help)");
    }
    engine::BenchOptions options;
    options.device = device_from(args);
    options.dtype = args.value("dtype");
    if (options.dtype != "f32" && options.dtype != "bf16" && options.dtype != "f16") {
        throw Error("option '--dtype' expects f32, bf16 or f16, got '" + options.dtype + "'");
    }
    parse_size(args.value("image"), options.width, options.height);
    if (args.flag("random-weights")) {
        if (!args.has("config") || args.has("model")) {
            throw Error("--random-weights needs --config PRESET and no --model");
        }
        options.config = args.value("config");
    } else {
        if (args.has("config")) {
            throw Error("--config is only used with --random-weights");
        }
        options.model_dir = engine::resolve_model_dir(args.has("model") ? args.value("model") : "");
    }
    options.rounds = static_cast<int>(args.integer("rounds"));
    options.repeats = static_cast<int>(args.integer("repeats"));
    options.seed = static_cast<std::uint64_t>(args.integer("seed"));
    if (args.has("threads")) {
        const long long threads = args.integer("threads");
        if (threads < 0) {
            throw Error("option '--threads' expects 0 or more, got " + std::to_string(threads));
        }
        init_torch_threads(static_cast<int>(threads));
    }
    if (args.has("image-file")) {
        options.image_file = args.value("image-file");
    }
    options.floor = (args.flag("floor") || options.config == "segllm-7b") && !args.flag("no-floor");
    options.op_profile = args.flag("ops");
    options.log = [](const std::string& line) {
        std::fprintf(stderr, "bench: %s\n", line.c_str());
    };

    // The figures are written as soon as they are measured (before the teardown).
    options.on_report = [&](const engine::BenchReport& report) {
        std::printf("%s", engine::bench_report_text(report).c_str());
        std::fflush(stdout);
        if (args.has("json")) {
            const std::string path = args.value("json");
            std::ofstream out(path, std::ios::binary);
            out << engine::bench_report_json(report);
            out.close();
            if (!out) {
                throw Error("cannot write " + path);
            }
        }
        std::fprintf(stderr, "bench: report written\n");
    };
    engine::run_bench(options);
    std::fprintf(stderr, "bench: teardown done\n");
    return 0;
}

}  // namespace segllm::cli
