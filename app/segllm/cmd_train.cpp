// segllm train: trains a SegLLM model of a preset configuration from scratch on shapes-world
// conversations generated on the fly (core/train), writing a loadable model folder.

#include "app/segllm/args.h"
#include "core/common/error.h"
#include "core/common/runtime.h"
#include "core/synth/conversation.h"
#include "core/train/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace segllm::cli {

namespace {

const std::vector<OptionSpec>& train_options() {
    static const std::vector<OptionSpec> specs = {
        {"out", "RUN_DIR", "run folder (model/, optimizer state, loss_log.csv)", ""},
        {"steps", "N", "optimisation steps", "3000"},
        {"batch", "B", "conversations per step", "8"},
        {"seed", "S", "seed of the weights and the conversation stream", "0"},
        {"config", "NAME", "model preset", "segllm-tiny"},
        {"save-every", "K", "write a checkpoint every K steps (0: only at the end)", "250"},
        {"no-mask-memory", "", "ablation: no mask/box-encode rows (text still says instance k)",
         ""},
        {"grounding", "W",
         "weight of the training-only grounding probe loss on the <seg> tokens (0: off)", "5"},
        {"select", "W",
         "weight of the selection term: cross-entropy over the queries that ranks the matched "
         "query first (0: off, as the reference)",
         "2"},
        {"select-pair", "W",
         "weight of the pair term: on a round with [k], the query of the instance [k] names must "
         "score below the answer's query on the target's tokens (0: off)",
         "0"},
        {"select-rival", "W",
         "weight of the rival term: the answer's query must outscore every other object of the "
         "scene that decoder queries sit on (cross-entropy over objects, not queries; 0: off; "
         "kept on resume)",
         "0"},
        {"probe-cells", "G",
         "side of the position grid the training-only probes also classify: the <seg> tokens and "
         "the matched queries name the G x G cell of their object's centre (0: off; 0..8; needs "
         "--grounding above 0)",
         "0"},
        {"patch-probe", "W",
         "weight, relative to --grounding, of the patch probe that --probe-cells adds (where "
         "each image row the LLM reads lies)",
         "1"},
        {"patch-squares", "",
         "the patch probe also asks each image row for x^2 and y^2 of its patch centre, so that "
         "one attention head can score rows by their squared distance to a point (needs "
         "--probe-cells above 0; a new run only, kept on resume)",
         ""},
        {"size-probe", "W",
         "weight of the training-only size probe: each matched decoder query is asked how large "
         "its object is (log2 of its box area), and so is each half of the <seg> tokens of the "
         "object it names, so that VL_Align can tell \"the large ...\" from \"the small ...\" "
         "(0: off; kept on resume)",
         "0"},
        {"word-probe", "W",
         "weight of the training-only word probe: the LLM's state before each <seg> is asked "
         "which expression form its round asks for (left of, farthest from, same colour as, "
         "...), and the size word or extreme where there is one (0: off; kept on resume)",
         "0"},
        {"attend", "W",
         "weight of the training-only attention supervision: at the state before each <seg>, "
         "one head of decoder layer --attend-layer is asked to look at the answer's image rows "
         "and another at those of the instance [k] names (0: off)",
         "0"},
        {"attend-layer", "L",
         "decoder layer (0-based) of the attention supervision (-1: the middle one)", "-1"},
        {"attend-ref-layer", "L",
         "decoder layer of the head that is asked to look at [k] (-1: --attend-layer; an earlier "
         "layer lets the answer's look start from where [k] is)",
         "-1"},
        {"attend-word", "W",
         "weight of the training-only word look: at the state before each <seg>, the last head "
         "of decoder layer --attend-word-layer is asked to look at the expression's deciding "
         "word (\"left\", \"colour\", \"large\", ...; 0: off; kept on resume)",
         "0"},
        {"attend-word-layer", "L", "decoder layer of the word look (-1: the middle one)", "-1"},
        {"clip-pretrain", "N",
         "steps of CLIP attribute pretraining before training (then the tower is frozen; 0: "
         "none, the tower is trained jointly)",
         "500"},
        {"lr-llm", "LR", "peak learning rate of the LLM (embeddings, layers, norm, lm_head)",
         "0.001"},
        {"lr-heads", "LR",
         "peak learning rate of everything else (HIPIE segmentator, projectors, vision tower)",
         "0.001"},
        {"seg-detach", "F",
         "fraction of the steps, from the start, in which the HIPIE losses stop at the <seg> "
         "tokens (the LLM learns grounding from the probe first)",
         "0.25"},
        {"probe-only", "N",
         "grounding stage: the first N steps train the LLM and the probe without the HIPIE "
         "decoder (cheaper steps)",
         "0"},
        {"mixed-size", "F",
         "fraction of the conversations drawn at a random size (sides 96..512) instead of "
         "128x128",
         "0.5"},
        {"hard-rounds", "F",
         "probability that a conversation's mask-supervised rounds (--mask-rounds) are taken "
         "from its positional, interactional and attribute rounds first instead of from all "
         "alike, so that the choice terms see the relations that go wrong most (kept on "
         "resume)",
         "0"},
        {"first-forms", "LIST",
         "comma-separated forms (touching,above,...: the names of the error analysis) whose "
         "rounds --hard-rounds supervises before the other hard rounds (needs --hard-rounds "
         "above 0; kept on resume)",
         ""},
        {"encode-keep", "P",
         "probability that each mask-encode and box-encode feature is kept in a step (else "
         "zeroed; 0.5 as the original, whose inference scales them by that 0.5; a model run at "
         "another scale, config.json mm_encode_scale, may train closer to it; kept on resume)",
         "0.5"},
        {"mask-rounds", "N",
         "mask-supervised rounds per conversation (1.." + std::to_string(synth::kMaxRounds) +
             "; more gives the choice terms more rounds per step and costs decoder time; kept "
             "on resume)",
         "2"},
        {"min-rounds", "R", "fewest rounds of a training conversation", "1"},
        {"max-rounds", "R", "most rounds of a training conversation", "8"},
        {"workers", "W",
         "data-parallel worker threads: the batch is split into W slices trained concurrently "
         "(use with --threads 1)",
         "1"},
        {"init", "MODEL_DIR",
         "start from this model folder's weights, config and tokenizer instead of a fresh "
         "initialisation",
         ""},
        {"llm-layers", "N",
         "decoder layers of the LLM (0: the preset's, or --init's; with --init, more layers than "
         "it has are added on top and start as identity)",
         "0"},
        {"llm-heads", "H",
         "attention heads of the LLM (0: the preset's, or --init's, whose weights are then read "
         "as H heads)",
         "0"},
        {"rope-theta", "T", "RoPE base of the LLM (0: the preset's, or --init's)", "0"},
        {"freeze-clip", "",
         "keep the CLIP tower frozen from the start (with --init: a tower pretrained there; "
         "use with --clip-pretrain 0)",
         ""},
        {"resume", "", "continue the run in RUN_DIR from its last checkpoint", ""},
        {"device", "cpu|cuda", "device to train on (cuda: the first GPU; cuda:N also accepted)",
         "cpu"},
        {"threads", "T",
         "intra-op threads (0: all hardware threads; 1 is fastest on a busy 2-core machine)", "1"},
        {"help", "", "show this help", ""},
    };
    return specs;
}

std::string duration_text(double seconds) {
    const auto s = static_cast<long long>(seconds + 0.5);
    char text[32];
    if (s >= 3600) {
        std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, (s / 60) % 60);
    } else {
        std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
    }
    return text;
}

long long positive(const Args& args, const std::string& name, long long max) {
    const long long v = args.integer(name);
    if (v < 1 || v > max) {
        throw Error("option '--" + name + "' expects 1.." + std::to_string(max) + ", got " +
                    std::to_string(v));
    }
    return v;
}

// A loss weight: 0 or more (NaN refused).
double weight(const Args& args, const std::string& name) {
    const double v = args.number(name);
    if (!(v >= 0)) {
        throw Error("option '--" + name + "' expects a weight of 0 or more, got " +
                    args.value(name));
    }
    return v;
}

// A decoder layer option: 0 or more, or -1 for the default.
int layer(const Args& args, const std::string& name) {
    const long long v = args.integer(name);
    if (v < -1 || v > 1000) {
        throw Error("option '--" + name + "' expects a decoder layer of 0 or more (or -1), got " +
                    args.value(name));
    }
    return static_cast<int>(v);
}

}  // namespace

int run_train(const std::vector<std::string>& argv) {
    const Args args(train_options(), argv);
    if (args.flag("help")) {
        std::printf(
            "Usage: segllm train --out RUN_DIR [--steps N] [--batch B] [--seed S]\n"
            "                    [--config segllm-tiny] [--no-mask-memory] [--resume] "
            "[--threads T]\n"
            "                    [--device cpu|cuda]\n\n"
            "Trains the model from scratch on generated shapes-world conversations (losses and\n"
            "optimisation of segllm-reference.md section 10). RUN_DIR/model/ (config.json,\n"
            "model.safetensors, tokenizer.model) is written every --save-every steps and at the\n"
            "end; a BPE tokenizer is trained first when RUN_DIR/model has none. Losses per step\n"
            "go to RUN_DIR/loss_log.csv, progress to stderr.\n\n"
            "Options:\n%s",
            format_options(train_options()).c_str());
        return 0;
    }
    if (!args.positional().empty()) {
        throw Error("unexpected argument '" + args.positional().front() + "' (see --help)");
    }
    if (!args.has("out")) {
        throw Error("missing --out RUN_DIR (see --help)");
    }
    train::TrainerOptions options;
    options.run_dir = args.value("out");
    options.steps = positive(args, "steps", 100000000);
    options.batch = static_cast<int>(positive(args, "batch", 4096));
    const long long seed = args.integer("seed");
    if (seed < 0) {
        throw Error("option '--seed' expects a non-negative integer, got " + std::to_string(seed));
    }
    options.seed = static_cast<std::uint64_t>(seed);
    options.config_name = args.value("config");
    const long long save_every = args.integer("save-every");
    if (save_every < 0) {
        throw Error("option '--save-every' expects 0 or more, got " + std::to_string(save_every));
    }
    options.save_every = save_every;
    options.mask_memory = !args.flag("no-mask-memory");
    options.grounding_weight = weight(args, "grounding");
    options.select_weight = weight(args, "select");
    options.select_pair_weight = weight(args, "select-pair");
    options.select_rival_weight = weight(args, "select-rival");
    const long long cells = args.integer("probe-cells");
    if (cells < 0 || cells > train::kMaxProbeCells) {
        throw Error("option '--probe-cells' expects a grid side of 0.." +
                    std::to_string(train::kMaxProbeCells) + ", got " + args.value("probe-cells"));
    }
    options.probe_cells = static_cast<int>(cells);
    options.patch_probe_weight = weight(args, "patch-probe");
    options.patch_squares = args.flag("patch-squares");
    if (options.patch_squares && options.probe_cells == 0 && !args.flag("resume")) {
        throw Error(
            "option '--patch-squares' needs --probe-cells above 0 (the patch probe "
            "exists only with a position grid)");
    }
    options.size_probe_weight = weight(args, "size-probe");
    options.word_probe_weight = weight(args, "word-probe");
    options.attend_weight = weight(args, "attend");
    options.attend_layer = layer(args, "attend-layer");
    options.attend_reference_layer = layer(args, "attend-ref-layer");
    options.attend_word_weight = weight(args, "attend-word");
    options.attend_word_layer = layer(args, "attend-word-layer");
    const long long clip_steps = args.integer("clip-pretrain");
    if (clip_steps < 0) {
        throw Error("option '--clip-pretrain' expects 0 or more steps, got " +
                    std::to_string(clip_steps));
    }
    options.clip_pretrain_steps = clip_steps;
    options.lr_llm = args.number("lr-llm");
    if (!(options.lr_llm > 0 && options.lr_llm < 1)) {
        throw Error("option '--lr-llm' expects a learning rate in (0, 1), got " +
                    args.value("lr-llm"));
    }
    options.lr_heads = args.number("lr-heads");
    if (!(options.lr_heads > 0 && options.lr_heads < 1)) {
        throw Error("option '--lr-heads' expects a learning rate in (0, 1), got " +
                    args.value("lr-heads"));
    }
    options.seg_detach_fraction = args.number("seg-detach");
    if (!(options.seg_detach_fraction >= 0 && options.seg_detach_fraction <= 1)) {
        throw Error("option '--seg-detach' expects a fraction in 0..1, got " +
                    args.value("seg-detach"));
    }
    const long long probe_only = args.integer("probe-only");
    if (probe_only < 0 || probe_only > options.steps) {
        throw Error("option '--probe-only' expects 0.." + std::to_string(options.steps) +
                    " steps, got " + std::to_string(probe_only));
    }
    options.probe_only_steps = probe_only;
    options.mixed_size_fraction = args.number("mixed-size");
    if (!(options.mixed_size_fraction >= 0 && options.mixed_size_fraction <= 1)) {
        throw Error("option '--mixed-size' expects a fraction in 0..1, got " +
                    args.value("mixed-size"));
    }
    options.hard_rounds = args.number("hard-rounds");
    if (!(options.hard_rounds >= 0 && options.hard_rounds <= 1)) {
        throw Error("option '--hard-rounds' expects a probability in 0..1, got " +
                    args.value("hard-rounds"));
    }
    const std::string first_forms = args.value("first-forms");
    std::size_t from = 0;
    while (!first_forms.empty() && from <= first_forms.size()) {
        const std::size_t comma = std::min(first_forms.find(',', from), first_forms.size());
        const std::string name = first_forms.substr(from, comma - from);
        const std::optional<synth::Form> form = synth::form_named(name);
        if (!form) {
            throw Error("option '--first-forms': unknown form '" + name +
                        "' (the forms are the names of the error analysis: touching, above, "
                        "left_of, same_colour, ...)");
        }
        options.first_forms.push_back(*form);
        from = comma + 1;
    }
    if (!options.first_forms.empty() && options.hard_rounds <= 0) {
        throw Error("option '--first-forms' needs '--hard-rounds' above 0");
    }
    options.encode_keep = args.number("encode-keep");
    if (!(options.encode_keep > 0 && options.encode_keep <= 1)) {
        throw Error("option '--encode-keep' expects a probability in (0, 1], got " +
                    args.value("encode-keep"));
    }
    options.mask_rounds = static_cast<int>(positive(args, "mask-rounds", synth::kMaxRounds));
    options.min_rounds = static_cast<int>(positive(args, "min-rounds", synth::kMaxRounds));
    options.max_rounds = static_cast<int>(positive(args, "max-rounds", synth::kMaxRounds));
    if (options.min_rounds > options.max_rounds) {
        throw Error("option '--min-rounds' (" + std::to_string(options.min_rounds) +
                    ") must not exceed '--max-rounds' (" + std::to_string(options.max_rounds) +
                    ")");
    }
    options.workers = static_cast<int>(positive(args, "workers", 256));
    if (args.has("init")) {
        options.init_model_dir = args.value("init");
    }
    const long long llm_layers = args.integer("llm-layers");
    if (llm_layers < 0 || llm_layers > 256) {
        throw Error("option '--llm-layers' expects 0..256 decoder layers, got " +
                    args.value("llm-layers"));
    }
    options.llm_layers = static_cast<int>(llm_layers);
    const long long llm_heads = args.integer("llm-heads");
    if (llm_heads < 0 || llm_heads > 1024) {
        throw Error("option '--llm-heads' expects 0..1024 attention heads, got " +
                    args.value("llm-heads"));
    }
    options.llm_heads = static_cast<int>(llm_heads);
    options.rope_theta = args.number("rope-theta");
    if (!(options.rope_theta >= 0) || !std::isfinite(options.rope_theta)) {
        throw Error("option '--rope-theta' expects 0 or a positive base, got " +
                    args.value("rope-theta"));
    }
    options.freeze_clip = args.flag("freeze-clip");
    if (options.freeze_clip && options.clip_pretrain_steps > 0) {
        throw Error(
            "option '--freeze-clip' freezes the tower from the start; it needs "
            "--clip-pretrain 0");
    }
    options.resume = args.flag("resume");
    if (options.resume &&
        !std::filesystem::exists(std::filesystem::path(options.run_dir) / "trainer_state.json")) {
        throw Error(options.run_dir + ": no trainer_state.json to resume from");
    }
    options.device = args.value("device");
    train::training_device(options.device);  // unknown or unavailable: fail before any work
    const long long threads = args.integer("threads");
    if (threads < 0) {
        throw Error("option '--threads' expects 0 or more, got " + std::to_string(threads));
    }
    const int used = init_torch_threads(static_cast<int>(threads));

    train::Trainer trainer(options);
    const std::int64_t first = trainer.step_count();
    std::fprintf(stderr, "train: %s on %s, %lld steps of %d conversations, %d threads, run %s%s\n",
                 options.config_name.c_str(), trainer.model().device.str().c_str(),
                 static_cast<long long>(trainer.options().steps), trainer.options().batch, used,
                 options.run_dir.c_str(),
                 first > 0 ? (" (resumed at step " + std::to_string(first) + ")").c_str() : "");
    double elapsed = 0.0;
    trainer.run([&](const train::StepReport& r) {
        elapsed += r.seconds;
        const double per_step = elapsed / static_cast<double>(r.step - first);
        const double eta = per_step * static_cast<double>(trainer.options().steps - r.step);
        std::fprintf(stderr,
                     "step %lld/%lld  loss %.4f (lm %.4f cls %.4f l1 %.4f giou %.4f mask %.4f "
                     "dice %.4f select %.4f pair %.4f rival %.4f word look %.4f ground %.4f query "
                     "%.4f patch %.4f size "
                     "%.4f/%.4f words "
                     "%.4f attend %.4f "
                     "(mass "
                     "%.2f), probe colour %.2f "
                     "kind "
                     "%.2f)  "
                     "lr %.2e  %.2f "
                     "s/step  ETA %s\n",
                     static_cast<long long>(r.step),
                     static_cast<long long>(trainer.options().steps), r.loss.total, r.loss.lm,
                     r.loss.cls, r.loss.l1, r.loss.giou, r.loss.mask, r.loss.dice, r.loss.select,
                     r.loss.select_pair, r.loss.select_rival, r.loss.attend_word, r.loss.grounding,
                     r.loss.query_probe, r.loss.patch_probe, r.loss.size_probe,
                     r.loss.seg_size_probe, r.loss.word_probe, r.loss.attend, r.loss.attend_mass,
                     r.loss.probe_colour_accuracy, r.loss.probe_kind_accuracy, r.lr, per_step,
                     duration_text(eta).c_str());
        std::fflush(stderr);
    });
    std::printf("trained %lld steps in %s; model folder %s\n",
                static_cast<long long>(trainer.step_count() - first),
                duration_text(elapsed).c_str(),
                (std::filesystem::path(options.run_dir) / "model").string().c_str());
    return 0;
}

}  // namespace segllm::cli
