// segllm gen-bench: writes a benchmark folder of shapes-world conversations
// (synthetic-world.md, "Benchmark format").

#include "app/segllm/args.h"
#include "app/segllm/bench_options.h"
#include "core/common/error.h"
#include "core/synth/benchmark_files.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

namespace segllm::cli {

namespace {

const std::vector<OptionSpec>& gen_bench_options() {
    static const std::vector<OptionSpec> specs = {
        {"out", "DIR", "folder to write (created; must be empty unless --force)", ""},
        {"count", "N", "number of conversations", ""},
        {"seed", "S", "random seed (same seed, same files)", "0"},
        {"min-rounds", "R", "fewest rounds per conversation (1..8)", "1"},
        {"max-rounds", "R", "most rounds per conversation (1..8)", "4"},
        {"size", "WxH|mixed", "image size, each side 96..512; mixed: drawn per scene", "128x128"},
        {"force", "", "replace the scene files of a non-empty folder", ""},
        {"help", "", "show this help", ""},
    };
    return specs;
}

}  // namespace

int run_gen_bench(const std::vector<std::string>& argv) {
    const Args args(gen_bench_options(), argv);
    if (args.flag("help")) {
        std::printf(
            "Usage: segllm gen-bench --out DIR --count N [--seed S] [--max-rounds R] "
            "[--size WxH | --size mixed]\n\n"
            "Writes N shapes-world conversations: scene_NNNN.png, one mask scene_NNNN_rK.png per\n"
            "round and scene_NNNN.json (the benchmark format of synthetic-world.md).\n\n"
            "Options:\n%s",
            format_options(gen_bench_options()).c_str());
        return 0;
    }
    if (!args.positional().empty()) {
        throw Error("unexpected argument '" + args.positional().front() + "' (see --help)");
    }
    if (!args.has("out")) {
        throw Error("missing --out DIR (see --help)");
    }
    if (!args.has("count")) {
        throw Error("missing --count N (see --help)");
    }
    const synth::BenchmarkOptions options =
        read_benchmark_options(args, "count", "min-rounds", "max-rounds");

    const std::string out = args.value("out");
    std::error_code ec;
    if (!args.flag("force") && std::filesystem::is_directory(out, ec) &&
        !std::filesystem::is_empty(out, ec)) {
        throw Error(out + ": the folder is not empty (--force replaces its scene_* files)");
    }
    const bool terminal = isatty(fileno(stderr)) != 0;
    synth::write_benchmark(out, options, args.flag("force"), [&](int done, int total) {
        if (terminal) {
            std::fprintf(stderr, "\rgen-bench: %d/%d conversations", done, total);
            if (done == total) {
                std::fprintf(stderr, "\n");
            }
            std::fflush(stderr);
        }
    });
    std::printf("wrote %d conversations to %s\n", options.count, out.c_str());
    return 0;
}

}  // namespace segllm::cli
