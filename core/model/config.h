#pragma once
// Hyperparameters of the SegLLM network (LLaMA LLM, CLIP vision tower, projectors), parsed once
// from the checkpoint's Hugging Face style config.json or taken from a named preset.
// Plain structs, no LibTorch. The HIPIE mask decoder's configuration (core/model/hipie) is a
// member, read from config.json's optional "segmentator_config" object.

#include "core/model/hipie/hipie_config.h"

#include <cstdint>
#include <string>
#include <vector>

namespace segllm::model {

// LLaMA decoder (HF LlamaConfig keys of the same names).
struct LlamaConfig {
    std::int64_t vocab_size = 32011;
    std::int64_t hidden_size = 4096;
    std::int64_t intermediate_size = 11008;
    std::int64_t num_hidden_layers = 32;
    std::int64_t num_attention_heads = 32;
    std::int64_t num_key_value_heads = 32;  // < num_attention_heads: grouped-query attention
    double rms_norm_eps = 1e-5;
    double rope_theta = 10000.0;
    std::int64_t max_position_embeddings = 4096;

    std::int64_t head_dim() const { return hidden_size / num_attention_heads; }
};

// CLIP vision transformer; defaults are openai/clip-vit-large-patch14 (224 px, patch 14).
struct ClipVisionConfig {
    std::int64_t image_size = 224;
    std::int64_t patch_size = 14;
    std::int64_t hidden_size = 1024;
    std::int64_t intermediate_size = 4096;
    std::int64_t num_hidden_layers = 24;
    std::int64_t num_attention_heads = 16;
    double layer_norm_eps = 1e-5;
    // Index into HF's hidden_states (0 = embeddings after pre_layrnorm, i = output of layer i;
    // negative counts from the end): -2 = output of the second-to-last layer.
    std::int64_t select_layer = -2;

    std::int64_t head_dim() const { return hidden_size / num_attention_heads; }
    std::int64_t num_patches() const {
        return (image_size / patch_size) * (image_size / patch_size);
    }
    // Patches plus the class token.
    std::int64_t num_positions() const { return num_patches() + 1; }
    // Number of encoder layers to run to reach `select_layer` (0 .. num_hidden_layers).
    std::int64_t layers_to_run() const {
        return select_layer >= 0 ? select_layer : num_hidden_layers + 1 + select_layer;
    }
};

// Scale of mask-encode and box-encode features at inference in the original (training keeps
// each with p=0.5); a model's config may set another (ProjectorConfig::encode_scale).
constexpr double kEncodeFeatureScale = 0.5;

// mm_projector (mm_hidden -> hidden -> hidden), mask_enc_head (box_dim -> hidden) and
// segmentator_predictor (hidden -> hidden -> seg_token_count * seg_token_dim).
struct ProjectorConfig {
    std::int64_t mm_hidden_size = 1024;  // CLIP width
    std::int64_t hidden_size = 4096;     // LLM width
    std::int64_t box_dim = 4;            // (top, left, bottom, right) / side
    std::int64_t seg_token_count = 8;    // HIPIE "language" tokens per <seg>
    std::int64_t seg_token_dim = 768;    // HIPIE's BERT width
    // Factor of the mask-encode and box-encode features at inference (config key
    // "mm_encode_scale", our extension; 0.5 official: training keeps each feature whole with
    // p = 0.5, and the original scales by that expectation at eval).
    double encode_scale = kEncodeFeatureScale;

    std::int64_t seg_output_size() const { return seg_token_count * seg_token_dim; }
};

// Everything this file describes, as one checkpoint config. The two image input sizes are
// vision.image_size (CLIP crop, 224 official) and hipie.input_side (HIPIE's padded square,
// 1024 official). hipie.lang_dim / lang_tokens always equal projector.seg_token_dim /
// seg_token_count (validate_config checks it).
struct SegllmConfig {
    LlamaConfig llm;
    ClipVisionConfig vision;
    ProjectorConfig projector;
    hipie::HipieConfig hipie;
};

// Whether `scale` is a usable mm_encode_scale: in (0, 4] (finite; 4 is far beyond any trained
// strength, and a larger factor only overflows the LLM's inputs).
bool encode_scale_in_range(double scale);

// Parses an HF-style LlavaLlamaForCausalLM config.json text. LLaMA keys sit at the top level
// (num_key_value_heads defaults to num_attention_heads, rope_theta to 10000,
// max_position_embeddings to 4096); mm_hidden_size, mm_vision_select_layer,
// mm_projector_type ("mlp2x_gelu" only) and mm_vision_select_feature ("patch" only) are read
// when present. The CLIP tower is described by an optional "vision_config" object (HF
// CLIPVisionConfig keys), else openai/clip-vit-large-patch14 defaults are used. Optional
// "seg_token_count" / "seg_token_dim" (our extension) default to 8 / 768, and optional
// "mm_encode_scale" (our extension, in (0, 4]) to 0.5. The HIPIE decoder is
// described by an optional "segmentator_config" (or "hipie_config") object whose keys are the
// HipieConfig member names (backbone fields in a nested "backbone" object; "blocks",
// "out_channels", "bottleneck_channels" are arrays of 4); absent keys keep
// HipieConfig::official() values, and lang_dim / lang_tokens default to seg_token_dim /
// seg_token_count. `source` names the
// file in messages. Throws segllm::Error naming `source` and the key for invalid JSON, a missing
// required key, a wrong type or an inconsistent value (see validate_config).
SegllmConfig parse_segllm_config(const std::string& json_text, const std::string& source);

// Reads and parses a config.json file; throws segllm::Error naming the path if it cannot be read.
SegllmConfig load_segllm_config(const std::string& path);

// The config as HF-style JSON text that parse_segllm_config reads back unchanged.
std::string segllm_config_to_json(const SegllmConfig& config);

// Checks of one part (see validate_config); key names in messages are config.json's.
void validate_llama_config(const LlamaConfig& config, const std::string& source);
void validate_clip_config(const ClipVisionConfig& config, const std::string& source);

// validate_config without the HIPIE part (for the LLaVA modules alone).
void validate_llava_config(const SegllmConfig& config, const std::string& source);

// Checks positivity and divisibility (heads, kv groups, even head_dim for rotary embeddings,
// patch grid, selected layer in range, mm_hidden_size == vision width, projector hidden ==
// LLM hidden, HipieConfig::validate, HIPIE language width/count == SEG token dim/count).
// Throws segllm::Error naming `source` and the offending key.
void validate_config(const SegllmConfig& config, const std::string& source);

// Named presets. "segllm-7b": the official dimensions (struct defaults; vocab 32011).
// "segllm-tiny" (segllm-reference.md section 10, ~0.94M LLM parameters): LLM vocab 523 (512 base
// pieces + the 11 SegLLM tokens; a trained tokenizer's config.json overrides it), hidden 128,
// MLP 352, 4 layers, 4 heads (no GQA), max positions 1024; CLIP 64 px, patch 8 (64 patches),
// width 128, MLP 512, 4 layers, 4 heads, select_layer -2; SEG tokens 8 x 64; HIPIE
// HipieConfig::tiny() (input side 128). "segllm-7b" uses HipieConfig::official().
// Throws segllm::Error for an unknown name.
SegllmConfig segllm_preset(const std::string& name);
std::vector<std::string> segllm_preset_names();

// Parameter counts computed from the configuration alone (nothing is allocated).
// LLM: embed_tokens + layers + norm + lm_head (untied).
std::int64_t llama_parameter_count(const LlamaConfig& config);
// CLIP tower as built by ClipVisionTower (all layers; no post_layernorm / visual_projection).
std::int64_t clip_vision_parameter_count(const ClipVisionConfig& config);
// mm_projector + mask_enc_head + segmentator_predictor.
std::int64_t projector_parameter_count(const ProjectorConfig& config);

}  // namespace segllm::model
