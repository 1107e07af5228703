// segllm check-model: loads a model folder and reports whether it is usable.

#include "app/segllm/args.h"
#include "app/segllm/model_args.h"
#include "core/common/error.h"
#include "core/model/segllm.h"

#include <cstdio>
#include <string>
#include <vector>

namespace segllm::cli {

namespace {

const std::vector<OptionSpec>& check_model_options() {
    static const std::vector<OptionSpec> specs = {
        {"strict", "", "unexpected (unknown, not explicitly skipped) tensors are fatal", ""},
        {"device", "auto|cpu|cuda", "device to load on", "auto"},
        {"dtype", "f32|bf16|f16", "dtype of the LLM, CLIP tower and projectors", "f32"},
        {"help", "", "show this help", ""},
    };
    return specs;
}

void print_names(const char* what, const std::vector<std::string>& names, std::size_t limit) {
    std::printf("%s: %zu\n", what, names.size());
    for (std::size_t i = 0; i < names.size() && i < limit; ++i) {
        std::printf("  %s\n", names[i].c_str());
    }
    if (names.size() > limit) {
        std::printf("  ... (%zu more)\n", names.size() - limit);
    }
}

void print_config(const model::SegllmConfig& c) {
    const model::LlamaConfig& l = c.llm;
    const model::ClipVisionConfig& v = c.vision;
    const hipie::HipieConfig& h = c.hipie;
    std::printf("configuration:\n");
    std::printf(
        "  llm: vocab %lld, hidden %lld, mlp %lld, layers %lld, heads %lld (kv %lld), "
        "max positions %lld\n",
        static_cast<long long>(l.vocab_size), static_cast<long long>(l.hidden_size),
        static_cast<long long>(l.intermediate_size), static_cast<long long>(l.num_hidden_layers),
        static_cast<long long>(l.num_attention_heads),
        static_cast<long long>(l.num_key_value_heads),
        static_cast<long long>(l.max_position_embeddings));
    std::printf(
        "  vision: %lld px, patch %lld (%lld patches), width %lld, layers %lld, "
        "select layer %lld\n",
        static_cast<long long>(v.image_size), static_cast<long long>(v.patch_size),
        static_cast<long long>(v.num_patches()), static_cast<long long>(v.hidden_size),
        static_cast<long long>(v.num_hidden_layers), static_cast<long long>(v.select_layer));
    std::printf("  seg tokens: %lld x %lld\n", static_cast<long long>(c.projector.seg_token_count),
                static_cast<long long>(c.projector.seg_token_dim));
    std::printf("  mask/box-encode features at inference: x %g (mm_encode_scale)\n",
                c.projector.encode_scale);
    std::printf(
        "  segmentator (HIPIE): %lld px, d_model %lld, encoder %lld, decoder %lld, "
        "proposals %lld\n",
        static_cast<long long>(h.input_side), static_cast<long long>(h.d_model),
        static_cast<long long>(h.enc_layers), static_cast<long long>(h.dec_layers),
        static_cast<long long>(h.num_proposals));
}

}  // namespace

int run_check_model(const std::vector<std::string>& argv) {
    const Args args(check_model_options(), argv);
    if (args.flag("help")) {
        std::printf(
            "Usage: segllm check-model DIR [--strict] [--device auto|cpu|cuda]\n"
            "                          [--dtype f32|bf16|f16]\n\n"
            "Loads a model folder (config.json, safetensors, tokenizer.model) and prints\n"
            "its configuration, the parameter count per component and any missing,\n"
            "misshaped, unexpected or skipped tensors. Exit status 0 only when the model\n"
            "is usable.\n\n"
            "Options:\n%s",
            format_options(check_model_options()).c_str());
        return 0;
    }
    if (args.positional().size() != 1) {
        throw Error(args.positional().empty()
                        ? "missing DIR (see --help)"
                        : "expected one DIR, got " + std::to_string(args.positional().size()) +
                              " arguments (see --help)");
    }
    const std::string dir = args.positional().front();
    model::LoadOptions options;
    options.strict = args.flag("strict");
    options.device = device_from(args);
    options.dtype = args.value("dtype");

    model::LoadReport report;
    std::string failure;
    std::shared_ptr<model::SegllmModel> loaded;
    try {
        loaded = model::SegllmModel::load(dir, options, &report);
    } catch (const Error& e) {
        failure = e.what();
    }

    std::printf("model folder: %s\n", dir.c_str());
    if (loaded) {
        print_config(loaded->config());
    } else {
        try {
            print_config(model::load_segllm_config(dir + "/config.json"));
        } catch (const Error&) {
            // the failure message below names the problem
        }
    }
    for (const std::string& file : report.files) {
        std::printf("weights: %s\n", file.c_str());
    }
    if (!report.tokenizer_path.empty()) {
        std::printf("tokenizer: %s (%d ids)\n", report.tokenizer_path.c_str(),
                    loaded && loaded->tokenizer() ? loaded->tokenizer()->vocab_size() : 0);
    }
    if (!report.parameter_counts.empty()) {
        std::printf("parameters:\n");
        long long total = 0;
        for (const char* part : {"llm", "vision_tower", "projectors", "segmentator"}) {
            const auto it = report.parameter_counts.find(part);
            const long long n = it == report.parameter_counts.end() ? 0 : it->second;
            total += n;
            std::printf("  %-13s %15lld\n", part, n);
        }
        std::printf("  %-13s %15lld\n", "total", total);
    }
    if (!report.device_used.empty()) {
        std::printf("device: %s, dtype %s (HIPIE segmentator in f32)\n", report.device_used.c_str(),
                    options.dtype.c_str());
    }
    if (!report.device_note.empty()) {
        std::printf("note: %s\n", report.device_note.c_str());
    }
    if (!report.parameter_counts.empty()) {  // the checkpoint was matched
        print_names("missing tensors", report.missing, 50);
        print_names("misshaped tensors", report.misshaped, 50);
        print_names(options.strict ? "unexpected tensors (fatal with --strict)"
                                   : "unexpected tensors (ignored without --strict)",
                    report.unexpected, 50);
        print_names("skipped tensors (explicit skip list)", report.skipped, 5);
    }
    if (!failure.empty()) {
        std::printf("NOT USABLE: %s\n", failure.c_str());
        return 1;
    }
    std::printf("usable: yes\n");
    return 0;
}

}  // namespace segllm::cli
