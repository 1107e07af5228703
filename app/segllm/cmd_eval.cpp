// segllm eval: scores a benchmark folder autoregressively (synthetic-world.md, "Scoring").

#include "app/segllm/args.h"
#include "app/segllm/model_args.h"
#include "core/common/error.h"
#include "core/engine/benchmark_eval.h"
#include "core/engine/engine.h"
#include "core/synth/benchmark_format.h"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

namespace segllm::cli {

namespace {

const std::vector<OptionSpec>& eval_options() {
    static const std::vector<OptionSpec> specs = {
        model_option_spec(),
        device_option_spec(),
        {"max-rounds", "N", "score only the first N rounds of each conversation (0: all)", "0"},
        {"no-mask-memory", "", "no mask-encode / box-encode rows (the LISA-style ablation)", ""},
        {"recompute", "", "run the whole conversation every round (no KV cache)", ""},
        {"json", "FILE", "also write the scores as JSON", ""},
        {"help", "", "show this help", ""},
    };
    return specs;
}

}  // namespace

int run_eval(const std::vector<std::string>& argv) {
    const Args args(eval_options(), argv);
    if (args.flag("help")) {
        std::printf(
            "Usage: segllm eval BENCH_DIR [--model DIR] [--max-rounds N] [--no-mask-memory]\n"
            "                   [--json FILE] [--device auto|cpu|cuda]\n\n"
            "Answers every conversation of a benchmark folder round by round ([k] names the\n"
            "model's own earlier output) and prints cIoU and gIoU per round, per relation type\n"
            "and overall.\n\n"
            "Options:\n%s",
            format_options(eval_options()).c_str());
        return 0;
    }
    if (args.positional().size() != 1) {
        throw Error("expected one benchmark folder (see --help)");
    }
    const long long max_rounds = args.integer("max-rounds");
    if (max_rounds < 0) {
        throw Error("option '--max-rounds' expects a non-negative integer, got " +
                    std::to_string(max_rounds));
    }
    const auto entries = synth::read_benchmark(args.positional().front());
    const engine::Engine engine = load_engine(args);

    engine::EvalOptions options;
    options.max_rounds = static_cast<int>(max_rounds);
    options.session.mask_memory = !args.flag("no-mask-memory");
    options.session.incremental = !args.flag("recompute");
    const bool terminal = isatty(fileno(stderr)) != 0;
    const auto start = std::chrono::steady_clock::now();
    options.progress = [&](int done, int total) {
        if (!terminal) {
            return;
        }
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double eta = done > 0 ? elapsed / done * (total - done) : 0.0;
        std::fprintf(stderr, "\reval: %d/%d conversations, %.0f s elapsed, ETA %.0f s   ", done,
                     total, elapsed, eta);
        if (done == total) {
            std::fprintf(stderr, "\n");
        }
        std::fflush(stderr);
    };
    const engine::BenchmarkScores scores = engine::evaluate_benchmark(engine, entries, options);
    std::printf("%zu conversations, model %s, mask memory %s\n\n%s", entries.size(),
                engine.info().source.c_str(), options.session.mask_memory ? "on" : "off",
                scores.to_table().c_str());
    if (args.has("json")) {
        const std::string path = args.value("json");
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << scores.to_json();
        out.close();
        if (!out) {
            throw Error(path + ": cannot write the JSON scores");
        }
    }
    return 0;
}

}  // namespace segllm::cli
