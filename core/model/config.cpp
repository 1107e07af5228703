#include "core/model/config.h"

#include "core/common/error.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace segllm::model {

namespace {

using nlohmann::json;

std::string where(const std::string& source, const std::string& key) {
    return source + ": key '" + key + "'";
}

const json* find_key(const json& object, const std::string& key) {
    const auto it = object.find(key);
    return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::int64_t read_int(const json& value, const std::string& source, const std::string& key) {
    if (!value.is_number_integer()) {
        throw Error(where(source, key) + " must be an integer, got " +
                    std::string(value.type_name()) + " " + value.dump());
    }
    return value.get<std::int64_t>();
}

double read_number(const json& value, const std::string& source, const std::string& key) {
    if (!value.is_number()) {
        throw Error(where(source, key) + " must be a number, got " +
                    std::string(value.type_name()) + " " + value.dump());
    }
    return value.get<double>();
}

std::string read_string(const json& value, const std::string& source, const std::string& key) {
    if (!value.is_string()) {
        throw Error(where(source, key) + " must be a string, got " +
                    std::string(value.type_name()) + " " + value.dump());
    }
    return value.get<std::string>();
}

// `prefix` is prepended to key names in messages ("vision_config.").
struct Reader {
    const json& object;
    const std::string& source;
    std::string prefix;

    std::int64_t required_int(const std::string& key) const {
        const json* v = find_key(object, key);
        if (v == nullptr) {
            throw Error(where(source, prefix + key) + " is missing");
        }
        return read_int(*v, source, prefix + key);
    }
    double required_number(const std::string& key) const {
        const json* v = find_key(object, key);
        if (v == nullptr) {
            throw Error(where(source, prefix + key) + " is missing");
        }
        return read_number(*v, source, prefix + key);
    }
    std::int64_t optional_int(const std::string& key, std::int64_t fallback) const {
        const json* v = find_key(object, key);
        return v == nullptr ? fallback : read_int(*v, source, prefix + key);
    }
    double optional_number(const std::string& key, double fallback) const {
        const json* v = find_key(object, key);
        return v == nullptr ? fallback : read_number(*v, source, prefix + key);
    }
    std::string optional_string(const std::string& key, const std::string& fallback) const {
        const json* v = find_key(object, key);
        return v == nullptr ? fallback : read_string(*v, source, prefix + key);
    }
};

void require_positive(std::int64_t value, const std::string& source, const std::string& key) {
    if (value <= 0) {
        throw Error(where(source, key) + " must be positive, got " + std::to_string(value));
    }
}

void require_positive(double value, const std::string& source, const std::string& key) {
    if (!(value > 0.0)) {
        throw Error(where(source, key) + " must be positive, got " + std::to_string(value));
    }
}

}  // namespace

void validate_llama_config(const LlamaConfig& l, const std::string& source) {
    require_positive(l.vocab_size, source, "vocab_size");
    require_positive(l.hidden_size, source, "hidden_size");
    require_positive(l.intermediate_size, source, "intermediate_size");
    require_positive(l.num_hidden_layers, source, "num_hidden_layers");
    require_positive(l.num_attention_heads, source, "num_attention_heads");
    require_positive(l.num_key_value_heads, source, "num_key_value_heads");
    require_positive(l.rms_norm_eps, source, "rms_norm_eps");
    require_positive(l.rope_theta, source, "rope_theta");
    require_positive(l.max_position_embeddings, source, "max_position_embeddings");
    if (l.hidden_size % l.num_attention_heads != 0) {
        throw Error(where(source, "num_attention_heads") + " (" +
                    std::to_string(l.num_attention_heads) + ") must divide hidden_size (" +
                    std::to_string(l.hidden_size) + ")");
    }
    if (l.num_attention_heads % l.num_key_value_heads != 0) {
        throw Error(where(source, "num_key_value_heads") + " (" +
                    std::to_string(l.num_key_value_heads) + ") must divide num_attention_heads (" +
                    std::to_string(l.num_attention_heads) + ")");
    }
    if (l.head_dim() % 2 != 0) {
        throw Error(where(source, "num_attention_heads") + ": head dimension " +
                    std::to_string(l.head_dim()) + " must be even for rotary embeddings");
    }
}

void validate_clip_config(const ClipVisionConfig& v, const std::string& source) {
    const std::string vp = "vision_config.";
    require_positive(v.image_size, source, vp + "image_size");
    require_positive(v.patch_size, source, vp + "patch_size");
    require_positive(v.hidden_size, source, vp + "hidden_size");
    require_positive(v.intermediate_size, source, vp + "intermediate_size");
    require_positive(v.num_hidden_layers, source, vp + "num_hidden_layers");
    require_positive(v.num_attention_heads, source, vp + "num_attention_heads");
    require_positive(v.layer_norm_eps, source, vp + "layer_norm_eps");
    if (v.image_size % v.patch_size != 0) {
        throw Error(where(source, vp + "patch_size") + " (" + std::to_string(v.patch_size) +
                    ") must divide image_size (" + std::to_string(v.image_size) + ")");
    }
    if (v.hidden_size % v.num_attention_heads != 0) {
        throw Error(where(source, vp + "num_attention_heads") + " (" +
                    std::to_string(v.num_attention_heads) + ") must divide hidden_size (" +
                    std::to_string(v.hidden_size) + ")");
    }
    if (v.layers_to_run() < 0 || v.layers_to_run() > v.num_hidden_layers) {
        throw Error(where(source, "mm_vision_select_layer") + " (" +
                    std::to_string(v.select_layer) + ") is out of range for " +
                    std::to_string(v.num_hidden_layers) + " vision layers");
    }
}

void validate_config(const SegllmConfig& config, const std::string& source) {
    validate_llama_config(config.llm, source);
    validate_clip_config(config.vision, source);
    const LlamaConfig& l = config.llm;
    const ClipVisionConfig& v = config.vision;
    const ProjectorConfig& p = config.projector;
    require_positive(p.box_dim, source, "box_dim");
    require_positive(p.seg_token_count, source, "seg_token_count");
    require_positive(p.seg_token_dim, source, "seg_token_dim");
    if (p.mm_hidden_size != v.hidden_size) {
        throw Error(where(source, "mm_hidden_size") + " (" + std::to_string(p.mm_hidden_size) +
                    ") must equal the vision width vision_config.hidden_size (" +
                    std::to_string(v.hidden_size) + ")");
    }
    if (p.hidden_size != l.hidden_size) {
        throw Error(source + ": projector width " + std::to_string(p.hidden_size) +
                    " differs from key 'hidden_size' (" + std::to_string(l.hidden_size) + ")");
    }
}

SegllmConfig parse_segllm_config(const std::string& json_text, const std::string& source) {
    json root;
    try {
        root = json::parse(json_text);
    } catch (const json::parse_error& e) {
        throw Error(source + ": invalid JSON: " + e.what());
    }
    if (!root.is_object()) {
        throw Error(source + ": expected a JSON object at the top level, got " +
                    std::string(root.type_name()));
    }

    SegllmConfig config;
    const Reader top{root, source, ""};
    LlamaConfig& l = config.llm;
    l.vocab_size = top.required_int("vocab_size");
    l.hidden_size = top.required_int("hidden_size");
    l.intermediate_size = top.required_int("intermediate_size");
    l.num_hidden_layers = top.required_int("num_hidden_layers");
    l.num_attention_heads = top.required_int("num_attention_heads");
    l.num_key_value_heads = top.optional_int("num_key_value_heads", l.num_attention_heads);
    l.rms_norm_eps = top.required_number("rms_norm_eps");
    l.rope_theta = top.optional_number("rope_theta", 10000.0);
    l.max_position_embeddings = top.optional_int("max_position_embeddings", 4096);
    if (const json* scaling = find_key(root, "rope_scaling")) {
        throw Error(where(source, "rope_scaling") + ": RoPE scaling is not supported, got " +
                    scaling->dump());
    }

    ClipVisionConfig& v = config.vision;  // defaults: openai/clip-vit-large-patch14
    if (const json* vision = find_key(root, "vision_config")) {
        if (!vision->is_object()) {
            throw Error(where(source, "vision_config") + " must be an object, got " +
                        std::string(vision->type_name()));
        }
        const Reader vr{*vision, source, "vision_config."};
        v.image_size = vr.optional_int("image_size", v.image_size);
        v.patch_size = vr.optional_int("patch_size", v.patch_size);
        v.hidden_size = vr.optional_int("hidden_size", v.hidden_size);
        v.intermediate_size = vr.optional_int("intermediate_size", v.intermediate_size);
        v.num_hidden_layers = vr.optional_int("num_hidden_layers", v.num_hidden_layers);
        v.num_attention_heads = vr.optional_int("num_attention_heads", v.num_attention_heads);
        v.layer_norm_eps = vr.optional_number("layer_norm_eps", v.layer_norm_eps);
        const std::string act = vr.optional_string("hidden_act", "quick_gelu");
        if (act != "quick_gelu") {
            throw Error(where(source, "vision_config.hidden_act") +
                        " must be \"quick_gelu\", got \"" + act + "\"");
        }
    }
    v.select_layer = top.optional_int("mm_vision_select_layer", v.select_layer);
    const std::string feature = top.optional_string("mm_vision_select_feature", "patch");
    if (feature != "patch") {
        throw Error(where(source, "mm_vision_select_feature") + " must be \"patch\", got \"" +
                    feature + "\"");
    }

    ProjectorConfig& p = config.projector;
    const std::string projector_type = top.optional_string("mm_projector_type", "mlp2x_gelu");
    if (projector_type != "mlp2x_gelu") {
        throw Error(where(source, "mm_projector_type") + " must be \"mlp2x_gelu\", got \"" +
                    projector_type + "\"");
    }
    p.mm_hidden_size = top.optional_int("mm_hidden_size", v.hidden_size);
    p.hidden_size = l.hidden_size;
    p.seg_token_count = top.optional_int("seg_token_count", p.seg_token_count);
    p.seg_token_dim = top.optional_int("seg_token_dim", p.seg_token_dim);

    validate_config(config, source);
    return config;
}

SegllmConfig load_segllm_config(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw Error(path + ": cannot open the model configuration");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        throw Error(path + ": read error");
    }
    return parse_segllm_config(text.str(), path);
}

std::string segllm_config_to_json(const SegllmConfig& config) {
    const LlamaConfig& l = config.llm;
    const ClipVisionConfig& v = config.vision;
    const ProjectorConfig& p = config.projector;
    json root = {
        {"architectures", {"LlavaLlamaForCausalLM"}},
        {"model_type", "llava"},
        {"vocab_size", l.vocab_size},
        {"hidden_size", l.hidden_size},
        {"intermediate_size", l.intermediate_size},
        {"num_hidden_layers", l.num_hidden_layers},
        {"num_attention_heads", l.num_attention_heads},
        {"num_key_value_heads", l.num_key_value_heads},
        {"rms_norm_eps", l.rms_norm_eps},
        {"rope_theta", l.rope_theta},
        {"max_position_embeddings", l.max_position_embeddings},
        {"hidden_act", "silu"},
        {"tie_word_embeddings", false},
        {"mm_hidden_size", p.mm_hidden_size},
        {"mm_projector_type", "mlp2x_gelu"},
        {"mm_vision_select_layer", v.select_layer},
        {"mm_vision_select_feature", "patch"},
        {"seg_token_count", p.seg_token_count},
        {"seg_token_dim", p.seg_token_dim},
        {"vision_config",
         {{"image_size", v.image_size},
          {"patch_size", v.patch_size},
          {"hidden_size", v.hidden_size},
          {"intermediate_size", v.intermediate_size},
          {"num_hidden_layers", v.num_hidden_layers},
          {"num_attention_heads", v.num_attention_heads},
          {"layer_norm_eps", v.layer_norm_eps},
          {"hidden_act", "quick_gelu"}}},
    };
    return root.dump(2);
}

SegllmConfig segllm_preset(const std::string& name) {
    SegllmConfig config;  // struct defaults are the official 7B dimensions
    if (name == "segllm-7b") {
        return config;
    }
    if (name == "segllm-tiny") {
        // segllm-reference.md section 10; vocab = 512 base pieces + the 11 SegLLM tokens
        // (a trained tokenizer's config.json overrides it).
        LlamaConfig& l = config.llm;
        l.vocab_size = 523;
        l.hidden_size = 128;
        l.intermediate_size = 352;
        l.num_hidden_layers = 4;
        l.num_attention_heads = 4;
        l.num_key_value_heads = 4;
        l.max_position_embeddings = 1024;
        ClipVisionConfig& v = config.vision;
        v.image_size = 64;
        v.patch_size = 8;
        v.hidden_size = 128;
        v.intermediate_size = 512;
        v.num_hidden_layers = 4;
        v.num_attention_heads = 4;
        ProjectorConfig& p = config.projector;
        p.mm_hidden_size = 128;
        p.hidden_size = 128;
        p.seg_token_dim = 64;
        return config;
    }
    std::string known;
    for (const std::string& n : segllm_preset_names()) {
        known += (known.empty() ? "" : ", ") + n;
    }
    throw Error("unknown model preset '" + name + "' (known: " + known + ")");
}

std::vector<std::string> segllm_preset_names() {
    return {"segllm-7b", "segllm-tiny"};
}

std::int64_t llama_parameter_count(const LlamaConfig& c) {
    const std::int64_t h = c.hidden_size;
    const std::int64_t kv = c.num_key_value_heads * c.head_dim();
    const std::int64_t attention = h * h + 2 * h * kv + h * h;  // q, k, v, o (no bias)
    const std::int64_t mlp = 3 * h * c.intermediate_size;       // gate, up, down
    const std::int64_t layer = attention + mlp + 2 * h;         // + two RMSNorm weights
    return 2 * c.vocab_size * h + c.num_hidden_layers * layer + h;
}

std::int64_t clip_vision_parameter_count(const ClipVisionConfig& c) {
    const std::int64_t w = c.hidden_size;
    const std::int64_t embeddings = w + w * 3 * c.patch_size * c.patch_size + c.num_positions() * w;
    const std::int64_t attention = 4 * (w * w + w);
    const std::int64_t mlp =
        w * c.intermediate_size + c.intermediate_size + c.intermediate_size * w + w;
    const std::int64_t layer = attention + mlp + 4 * w;  // + layer_norm1/2 weight and bias
    return embeddings + 2 * w + c.num_hidden_layers * layer;
}

std::int64_t projector_parameter_count(const ProjectorConfig& c) {
    const std::int64_t h = c.hidden_size;
    const std::int64_t mm = c.mm_hidden_size * h + h + h * h + h;
    const std::int64_t box = c.box_dim * h + h;
    const std::int64_t seg = h * h + h + h * c.seg_output_size() + c.seg_output_size();
    return mm + box + seg;
}

}  // namespace segllm::model
