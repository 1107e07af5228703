#include "core/model/config.h"

#include "core/common/error.h"

#include <nlohmann/json.hpp>

#include <array>
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

std::array<std::int64_t, 4> read_int4(const json* value,
                                      const std::array<std::int64_t, 4>& fallback,
                                      const std::string& source, const std::string& key) {
    if (value == nullptr) {
        return fallback;
    }
    if (!value->is_array() || value->size() != 4) {
        throw Error(where(source, key) + " must be an array of 4 integers, got " + value->dump());
    }
    std::array<std::int64_t, 4> out{};
    for (std::size_t i = 0; i < 4; ++i) {
        out[i] = read_int((*value)[i], source, key + "[" + std::to_string(i) + "]");
    }
    return out;
}

// HipieConfig from a "segmentator_config" object; absent keys keep `h`'s values.
void read_hipie(const json& object, const std::string& source, const std::string& name,
                hipie::HipieConfig& h) {
    if (!object.is_object()) {
        throw Error(where(source, name) + " must be an object, got " +
                    std::string(object.type_name()));
    }
    const Reader r{object, source, name + "."};
    if (const json* b = find_key(object, "backbone")) {
        if (!b->is_object()) {
            throw Error(where(source, name + ".backbone") + " must be an object, got " +
                        std::string(b->type_name()));
        }
        const std::string bp = name + ".backbone.";
        const Reader br{*b, source, bp};
        hipie::HipieBackboneConfig& bb = h.backbone;
        bb.stem_channels = br.optional_int("stem_channels", bb.stem_channels);
        bb.stem_kernel = br.optional_int("stem_kernel", bb.stem_kernel);
        bb.blocks = read_int4(find_key(*b, "blocks"), bb.blocks, source, bp + "blocks");
        bb.out_channels =
            read_int4(find_key(*b, "out_channels"), bb.out_channels, source, bp + "out_channels");
        bb.bottleneck_channels =
            read_int4(find_key(*b, "bottleneck_channels"), bb.bottleneck_channels, source,
                      bp + "bottleneck_channels");
        bb.norm_eps = br.optional_number("norm_eps", bb.norm_eps);
    }
    h.d_model = r.optional_int("d_model", h.d_model);
    h.n_heads = r.optional_int("n_heads", h.n_heads);
    h.ffn_dim = r.optional_int("ffn_dim", h.ffn_dim);
    h.n_levels = r.optional_int("n_levels", h.n_levels);
    h.n_points = r.optional_int("n_points", h.n_points);
    h.enc_layers = r.optional_int("enc_layers", h.enc_layers);
    h.dec_layers = r.optional_int("dec_layers", h.dec_layers);
    h.gn_groups = r.optional_int("gn_groups", h.gn_groups);
    h.num_proposals = r.optional_int("num_proposals", h.num_proposals);
    h.num_bg_queries = r.optional_int("num_bg_queries", h.num_bg_queries);
    h.lang_dim = r.optional_int("lang_dim", h.lang_dim);
    h.lang_tokens = r.optional_int("lang_tokens", h.lang_tokens);
    h.num_vl_layers = r.optional_int("num_vl_layers", h.num_vl_layers);
    h.vl_embed_dim = r.optional_int("vl_embed_dim", h.vl_embed_dim);
    h.vl_heads = r.optional_int("vl_heads", h.vl_heads);
    h.vl_gamma_init = r.optional_number("vl_gamma_init", h.vl_gamma_init);
    h.prior_prob = r.optional_number("prior_prob", h.prior_prob);
    h.log_scale_init = r.optional_number("log_scale_init", h.log_scale_init);
    h.dynamic_mask_channels = r.optional_int("dynamic_mask_channels", h.dynamic_mask_channels);
    h.controller_layers = r.optional_int("controller_layers", h.controller_layers);
    h.mask_feat_stride = r.optional_int("mask_feat_stride", h.mask_feat_stride);
    h.mask_out_stride = r.optional_int("mask_out_stride", h.mask_out_stride);
    h.mask_threshold = r.optional_number("mask_threshold", h.mask_threshold);
    h.nms_iou = r.optional_number("nms_iou", h.nms_iou);
    h.max_detections = r.optional_int("max_detections", h.max_detections);
    h.input_side = r.optional_int("input_side", h.input_side);
}

json hipie_to_json(const hipie::HipieConfig& h) {
    const hipie::HipieBackboneConfig& b = h.backbone;
    return json{
        {"backbone",
         {{"stem_channels", b.stem_channels},
          {"stem_kernel", b.stem_kernel},
          {"blocks", b.blocks},
          {"out_channels", b.out_channels},
          {"bottleneck_channels", b.bottleneck_channels},
          {"norm_eps", b.norm_eps}}},
        {"d_model", h.d_model},
        {"n_heads", h.n_heads},
        {"ffn_dim", h.ffn_dim},
        {"n_levels", h.n_levels},
        {"n_points", h.n_points},
        {"enc_layers", h.enc_layers},
        {"dec_layers", h.dec_layers},
        {"gn_groups", h.gn_groups},
        {"num_proposals", h.num_proposals},
        {"num_bg_queries", h.num_bg_queries},
        {"lang_dim", h.lang_dim},
        {"lang_tokens", h.lang_tokens},
        {"num_vl_layers", h.num_vl_layers},
        {"vl_embed_dim", h.vl_embed_dim},
        {"vl_heads", h.vl_heads},
        {"vl_gamma_init", h.vl_gamma_init},
        {"prior_prob", h.prior_prob},
        {"log_scale_init", h.log_scale_init},
        {"dynamic_mask_channels", h.dynamic_mask_channels},
        {"controller_layers", h.controller_layers},
        {"mask_feat_stride", h.mask_feat_stride},
        {"mask_out_stride", h.mask_out_stride},
        {"mask_threshold", h.mask_threshold},
        {"nms_iou", h.nms_iou},
        {"max_detections", h.max_detections},
        {"input_side", h.input_side},
    };
}

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

bool encode_scale_in_range(double scale) {
    return scale > 0.0 && scale <= 4.0;
}

void validate_llava_config(const SegllmConfig& config, const std::string& source) {
    validate_llama_config(config.llm, source);
    validate_clip_config(config.vision, source);
    const LlamaConfig& l = config.llm;
    const ClipVisionConfig& v = config.vision;
    const ProjectorConfig& p = config.projector;
    require_positive(p.box_dim, source, "box_dim");
    require_positive(p.seg_token_count, source, "seg_token_count");
    require_positive(p.seg_token_dim, source, "seg_token_dim");
    if (!encode_scale_in_range(p.encode_scale)) {
        throw Error(where(source, "mm_encode_scale") + " must lie in (0, 4], got " +
                    std::to_string(p.encode_scale));
    }
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

void validate_config(const SegllmConfig& config, const std::string& source) {
    validate_llava_config(config, source);
    const ProjectorConfig& p = config.projector;
    const hipie::HipieConfig& h = config.hipie;
    try {
        h.validate();
    } catch (const Error& e) {
        throw Error(where(source, "segmentator_config") + ": " + e.what());
    }
    if (h.lang_dim != p.seg_token_dim) {
        throw Error(where(source, "segmentator_config.lang_dim") + " (" +
                    std::to_string(h.lang_dim) + ") must equal seg_token_dim (" +
                    std::to_string(p.seg_token_dim) + ")");
    }
    if (h.lang_tokens != p.seg_token_count) {
        throw Error(where(source, "segmentator_config.lang_tokens") + " (" +
                    std::to_string(h.lang_tokens) + ") must equal seg_token_count (" +
                    std::to_string(p.seg_token_count) + ")");
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
    p.encode_scale = top.optional_number("mm_encode_scale", p.encode_scale);

    hipie::HipieConfig& h = config.hipie;  // defaults: HipieConfig::official()
    h = hipie::HipieConfig::official();
    h.lang_dim = p.seg_token_dim;
    h.lang_tokens = p.seg_token_count;
    const json* seg_config = find_key(root, "segmentator_config");
    const char* seg_name = "segmentator_config";
    if (seg_config == nullptr) {
        seg_config = find_key(root, "hipie_config");
        seg_name = "hipie_config";
    }
    if (seg_config != nullptr) {
        read_hipie(*seg_config, source, seg_name, h);
    }
    const std::string segmentator = top.optional_string("segmentator", "hipie");
    if (segmentator != "hipie") {
        throw Error(where(source, "segmentator") + " must be \"hipie\", got \"" + segmentator +
                    "\"");
    }

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
        {"mm_encode_scale", p.encode_scale},
        {"mm_use_bbox_encode", true},
        {"segmentator", "hipie"},
        {"segmentator_config", hipie_to_json(config.hipie)},
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
        config.hipie = hipie::HipieConfig::tiny();
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
