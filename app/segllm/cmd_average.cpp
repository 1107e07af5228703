// segllm average: the mean of several model folders' weights (core/train/average.h).

#include "app/segllm/args.h"
#include "core/common/error.h"
#include "core/train/average.h"

#include <cstdio>
#include <string>
#include <vector>

namespace segllm::cli {

namespace {

const std::vector<OptionSpec>& average_options() {
    static const std::vector<OptionSpec> specs = {
        {"out", "DIR", "model folder to write (created if needed)", ""},
        {"force", "", "replace the model.safetensors already in --out", ""},
        {"help", "", "show this help", ""},
    };
    return specs;
}

}  // namespace

int run_average(const std::vector<std::string>& argv) {
    const Args args(average_options(), argv);
    if (args.flag("help")) {
        std::printf(
            "Usage: segllm average --out DIR MODEL_DIR MODEL_DIR [MODEL_DIR ...] [--force]\n\n"
            "Writes a model folder whose weights are the element-wise mean of the given\n"
            "folders' weights (float64 sums, stored in each tensor's own type), with the\n"
            "first folder's config.json and tokenizer. The folders must hold one\n"
            "architecture: the same configuration (mm_encode_scale aside), tensors, shapes,\n"
            "dtypes and tokenizer. The shipped model is the mean of its last two training\n"
            "stages (README, \"Training status\").\n\n"
            "Options:\n%s",
            format_options(average_options()).c_str());
        return 0;
    }
    if (!args.has("out") || args.value("out").empty()) {
        throw Error("--out DIR is required");
    }
    const std::string out = args.value("out");
    const train::AverageSummary summary =
        train::average_model_folders(args.positional(), out, args.flag("force"));
    std::printf("averaged %d models: %d tensors, %lld parameters -> %s\n", summary.models,
                summary.tensors, summary.parameters, out.c_str());
    return 0;
}

}  // namespace segllm::cli
