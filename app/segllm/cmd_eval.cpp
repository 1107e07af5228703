// segllm eval: scores a benchmark folder autoregressively (synthetic-world.md, "Scoring"), or
// (--generated N) the conversations `segllm gen-bench` would write, in memory, without files.

#include "app/segllm/args.h"
#include "app/segllm/bench_options.h"
#include "app/segllm/model_args.h"
#include "core/common/error.h"
#include "core/engine/benchmark_eval.h"
#include "core/engine/engine.h"
#include "core/synth/benchmark_format.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
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
        encode_scale_option_spec(),
        {"max-rounds", "N", "score only the first N rounds of each conversation (0: all)", "0"},
        {"no-mask-memory", "", "no mask-encode / box-encode rows (the LISA-style ablation)", ""},
        {"recompute", "", "run the whole conversation every round (no KV cache)", ""},
        {"corrected", "",
         "corrected history: after each round its mask is replaced by the ground truth (as an "
         "annotator fixing every answer), so [k] names the true object",
         ""},
        {"errors", "",
         "error analysis: per relation type, the share of rounds whose mask is the target, an "
         "instance their [k] names, another earlier answer or something else (IoU > 0.5), and "
         "whether the target is among the decoder's candidates; then the same, with cIoU, per "
         "expression form read from the prompts (size, left_of, same_colour, ...)",
         ""},
        {"json", "FILE", "also write the scores as JSON", ""},
        {"generated", "N",
         "score N generated conversations in memory (no BENCH_DIR; as gen-bench draws them)", ""},
        {"seed", "S", "with --generated: random seed (as gen-bench --seed)", "0"},
        {"gen-min-rounds", "R", "with --generated: fewest rounds (as gen-bench --min-rounds)", "1"},
        {"gen-max-rounds", "R", "with --generated: most rounds (as gen-bench --max-rounds)", "4"},
        {"size", "WxH|mixed", "with --generated: image size (as gen-bench --size)", "128x128"},
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
            "                   [--corrected] [--errors] [--json FILE] [--device auto|cpu|cuda]\n"
            "       segllm eval --generated N [--seed S] [--gen-min-rounds R] [--gen-max-rounds "
            "R]\n"
            "                   [--size WxH|mixed] [the options above]\n\n"
            "Answers every conversation of a benchmark folder round by round ([k] names the\n"
            "model's own earlier output) and prints cIoU and gIoU per round, per relation type\n"
            "and overall. --generated scores, in memory, the N conversations that\n"
            "`segllm gen-bench --count N` writes with the same seed, rounds and size, with the\n"
            "same results as scoring that folder.\n\n"
            "Options:\n%s",
            format_options(eval_options()).c_str());
        return 0;
    }
    const bool generated = args.has("generated");
    if (generated && !args.positional().empty()) {
        throw Error("--generated takes no benchmark folder, got '" + args.positional().front() +
                    "' (see --help)");
    }
    if (!generated && args.positional().size() != 1) {
        throw Error("expected one benchmark folder or --generated N (see --help)");
    }
    if (!generated) {
        for (const char* name : {"seed", "gen-min-rounds", "gen-max-rounds", "size"}) {
            if (args.has(name)) {
                throw Error(std::string("option '--") + name + "' needs --generated (see --help)");
            }
        }
    }
    const long long max_rounds = args.integer("max-rounds");
    if (max_rounds < 0) {
        throw Error("option '--max-rounds' expects a non-negative integer, got " +
                    std::to_string(max_rounds));
    }
    synth::BenchmarkOptions generator;
    std::vector<synth::BenchmarkEntry> entries;
    if (generated) {
        generator = read_benchmark_options(args, "generated", "gen-min-rounds", "gen-max-rounds");
    } else {
#ifdef SEGLLM_HAVE_SYNTH_PNG
        entries = synth::read_benchmark(args.positional().front());
#else
        throw Error(
            "this build cannot read benchmark folders (built without OpenCV, so no PNG "
            "masks): use --generated N");
#endif
    }
    const engine::Engine engine = load_engine(args);

    engine::EvalOptions options;
    options.max_rounds = static_cast<int>(max_rounds);
    options.session.mask_memory = !args.flag("no-mask-memory");
    options.session.incremental = !args.flag("recompute");
    options.corrected_history = args.flag("corrected");
    options.error_analysis = args.flag("errors");
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
    engine::BenchmarkScores scores;
    if (generated) {
        scores = engine::evaluate_generated(engine, generator, options);
    } else {
#ifdef SEGLLM_HAVE_SYNTH_PNG
        scores = engine::evaluate_benchmark(engine, entries, options);
#endif
    }
    const std::size_t conversations =
        generated ? static_cast<std::size_t>(generator.count) : entries.size();
    std::printf("%zu conversations, model %s, mask memory %s, history %s\n\n%s", conversations,
                engine.info().source.c_str(), options.session.mask_memory ? "on" : "off",
                options.corrected_history ? "corrected (ground truth after each round)"
                                          : "the model's own answers",
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
