// segllm probe-position: linear read-outs of position from a model's features (core/train's
// position probe), to see where a trained model loses track of where things are.

#include "app/segllm/args.h"
#include "app/segllm/model_args.h"
#include "core/common/error.h"
#include "core/common/runtime.h"
#include "core/engine/engine.h"
#include "core/model/config.h"
#include "core/synth/conversation.h"
#include "core/text/tokenizer.h"
#include "core/train/position_probe.h"
#include "core/train/trainer.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace segllm::cli {

namespace {

const std::vector<OptionSpec>& probe_position_options() {
    static const std::vector<OptionSpec> specs = {
        model_option_spec(),
        {"conversations", "N", "generated conversations (half fit the read-outs, half score them)",
         "400"},
        {"seed", "S", "seed of the generated conversations", "4242"},
        {"max-rounds", "R", "most rounds of a conversation (1..8)", "8"},
        {"mixed-size", "", "scenes of random sizes (sides 96..512) instead of 128x128", ""},
        {"no-mask-memory", "", "leave out the history's mask/box-encode rows (the ablation)", ""},
        {"ridge", "L", "ridge penalty per row on standardised features", "0.001"},
        {"device", "cpu|cuda", "device to run on", "cpu"},
        {"threads", "T", "intra-op threads (0: all hardware threads)", "0"},
        {"help", "", "show this help", ""},
    };
    return specs;
}

std::string r2_text(double v) {
    if (std::isnan(v)) {
        return "   n/a";
    }
    char text[16];
    std::snprintf(text, sizeof text, "%6.3f", v);
    return text;
}

}  // namespace

int run_probe_position(const std::vector<std::string>& argv) {
    const Args args(probe_position_options(), argv);
    if (args.flag("help")) {
        std::printf(
            "Usage: segllm probe-position [--model DIR] [--conversations N] [--seed S]\n"
            "                             [--no-mask-memory] [--mixed-size] [--device cpu|cuda]\n\n"
            "Where does a model lose track of place? Runs generated conversations teacher-forced\n"
            "(the true answers as history) and fits linear read-outs (ridge regression) of\n"
            "position from its features: the CLIP patch features, the image rows the LLM reads\n"
            "(mm_projector of them) and the LLM's last hidden states at those rows -> the patch\n"
            "centre; the hidden state before each <seg> -> the centre of the answer, per round\n"
            "kind, and in the rounds that name an instance [k] -> the centre of [k] and -> the\n"
            "answer's centre minus [k]'s; and the same state -> the word that picks among\n"
            "candidates with what it picks (large/small and the answer's size, nearest/farthest\n"
            "and its distance from [k], left/right/above/below as a direction, same colour /\n"
            "same shape and whether the answer shares [k]'s colour). The read-outs are fitted on\n"
            "the even conversations and\n"
            "scored (R^2 of x and y, 1 = exact, 0 = no better than the mean) on the odd ones.\n"
            "Reads the model folder's config.json, model.safetensors and tokenizer.model.\n\n"
            "Options:\n%s",
            format_options(probe_position_options()).c_str());
        return 0;
    }
    if (!args.positional().empty()) {
        throw Error("probe-position: unexpected argument '" + args.positional().front() + "'");
    }
    train::PositionProbeOptions options;
    const long long conversations = args.integer("conversations");
    if (conversations < 4 || conversations > 100000) {
        throw Error("option '--conversations' expects 4..100000, got " +
                    std::to_string(conversations));
    }
    options.conversations = static_cast<int>(conversations);
    options.seed = static_cast<std::uint64_t>(args.integer("seed"));
    const long long rounds = args.integer("max-rounds");
    if (rounds < 1 || rounds > synth::kMaxRounds) {
        throw Error("option '--max-rounds' expects 1.." + std::to_string(synth::kMaxRounds) +
                    ", got " + std::to_string(rounds));
    }
    options.max_rounds = static_cast<int>(rounds);
    options.mixed_sizes = args.flag("mixed-size");
    options.mask_memory = !args.flag("no-mask-memory");
    options.ridge = args.number("ridge");
    if (!(options.ridge >= 0) || !std::isfinite(options.ridge)) {
        throw Error("option '--ridge' expects a number >= 0, got " + args.value("ridge"));
    }
    const at::Device device = train::training_device(args.value("device"));
    const long long threads = args.integer("threads");
    if (threads < 0) {
        throw Error("option '--threads' expects 0 or more, got " + std::to_string(threads));
    }
    init_torch_threads(static_cast<int>(threads));

    const std::filesystem::path dir =
        engine::resolve_model_dir(args.has("model") ? args.value("model") : "");
    for (const char* file : {"config.json", "model.safetensors", "tokenizer.model"}) {
        if (!std::filesystem::exists(dir / file)) {
            throw Error("probe-position: " + (dir / file).string() +
                        " is missing (a model folder as `segllm train` writes it is needed)");
        }
    }
    const model::SegllmConfig config = model::load_segllm_config((dir / "config.json").string());
    const text::Tokenizer tokenizer = text::Tokenizer::load(dir.string());
    train::TrainingModel model = train::TrainingModel::create(config, 0, device);
    train::load_model_weights(model, (dir / "model.safetensors").string());

    const train::PositionProbeReport report =
        train::probe_positions(model, tokenizer, options, [](int done, int total) {
            std::fprintf(stderr, "\rprobe-position: %d/%d conversations", done, total);
            if (done == total) {
                std::fprintf(stderr, "\n");
            }
        });
    std::printf(
        "probe-position: %s, %lld conversations (seed %llu, %s, up to %d rounds), %lld rounds, "
        "mask memory %s\n",
        dir.string().c_str(), static_cast<long long>(report.conversations),
        static_cast<unsigned long long>(options.seed),
        options.mixed_sizes ? "mixed sizes" : "128x128", options.max_rounds,
        static_cast<long long>(report.rounds), options.mask_memory ? "on" : "off");
    std::printf("%-18s %-15s %-20s %7s %7s %7s %7s\n", "features", "target", "scored rows", "fit",
                "scored", "R2 x", "R2 y");
    for (const train::PositionFit& f : report.fits) {
        std::printf("%-18s %-15s %-20s %7lld %7lld  %s  %s\n", f.features.c_str(), f.target.c_str(),
                    f.subset.c_str(), static_cast<long long>(f.fit_rows),
                    static_cast<long long>(f.scored_rows), r2_text(f.r2_x).c_str(),
                    r2_text(f.r2_y).c_str());
    }
    std::printf(
        "\nattention of the state before <seg> on the image rows of its answer or of the "
        "instance [k] names:\nmean mass per decoder layer of the head that puts the most there "
        "(its index in brackets); uniform: attention spread evenly over the keys\n");
    std::printf("%-13s %-20s %7s %8s", "rows", "rounds", "count", "uniform");
    for (std::int64_t l = 0; l < config.llm.num_hidden_layers; ++l) {
        std::printf("  layer %-4lld", static_cast<long long>(l));
    }
    std::printf("\n");
    for (const train::AttentionLook& l : report.looks) {
        std::printf("%-13s %-20s %7lld  %s", l.rows.c_str(), l.subset.c_str(),
                    static_cast<long long>(l.rounds),
                    r2_text(l.rounds > 0 ? l.uniform : std::nan("")).c_str());
        for (size_t k = 0; k < l.layers.size(); ++k) {
            std::printf("  %s (h%d)", r2_text(l.layers[k]).c_str(), l.heads[k]);
        }
        std::printf("\n");
    }
    return 0;
}

}  // namespace segllm::cli
