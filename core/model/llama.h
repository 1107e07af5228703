#pragma once
// The LLaMA decoder of SegLLM (LLaVA-1.5 / Vicuna-7B architecture), named like the checkpoint:
// LlavaLlamaForCausalLM { model: LlavaLlamaModel { embed_tokens,
// layers.N.{self_attn.{q,k,v,o}_proj, mlp.{gate,up,down}_proj, input_layernorm,
// post_attention_layernorm}, norm, and with vision: vision_tower, mm_projector, mask_enc_head,
// segmentator_predictor }, lm_head }. The SegLLM glue registers the HIPIE decoder as "segmentator"
// under `model` as well. The caller sets the inference guard (torch::NoGradGuard /
// at::InferenceMode); modules never initialise weights beyond LibTorch's defaults (a loader fills
// them).

#include "core/model/clip.h"
#include "core/model/config.h"
#include "core/model/kv_cache.h"
#include "core/model/projector.h"

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <vector>

namespace segllm::model {

// How the decoder's large tensors (embed_tokens, the seven projections of every layer, lm_head:
// almost all of a 7B model) are created. Default: LibTorch's module constructors (CPU, the
// default dtype, LibTorch's initialisation on the CPU). `direct`: each is allocated once on
// `device` in `dtype` and, unless `uninitialised`, filled there with LibTorch's default
// distributions (Linear: U(-1/sqrt(in), 1/sqrt(in)); Embedding: N(0, 1)) from the device's
// generator, so no float32 or host copy of them ever exists. `uninitialised` (only with direct)
// leaves their memory as allocated, for a loader that overwrites every tensor. The small rest
// (norms, vision tower, projectors) is always built by LibTorch on the CPU.
struct LlmInit {
    at::Device device{at::kCPU};
    at::ScalarType dtype = at::kFloat;
    bool direct = false;
    bool uninitialised = false;
};

// RMSNorm as in HF LLaMA: computed in float32, x * rsqrt(mean(x^2) + eps), cast back to the
// input dtype, times `weight` (initialised to ones).
class RmsNormImpl : public torch::nn::Module {
public:
    RmsNormImpl(std::int64_t dim, double eps);
    at::Tensor forward(at::Tensor x);

    at::Tensor weight;

private:
    double eps_;
};
TORCH_MODULE(RmsNorm);

// Rotary position tables [..., T, head_dim] (HF LLaMA convention: frequencies
// theta^(-2i/head_dim), the two halves of the last axis repeat them).
struct RotaryTables {
    at::Tensor cos;
    at::Tensor sin;
};
// `positions` int64 [T] (shared by the batch) or [B, T]. Angles are computed in float64 for a
// float64 `dtype`, else in float32 (as HF does), then cast to `dtype`. The tables come back as
// [1, 1, T, head_dim] or [B, 1, T, head_dim], ready to broadcast over [B, heads, T, head_dim].
RotaryTables rotary_tables(const at::Tensor& positions, std::int64_t head_dim, double theta,
                           at::ScalarType dtype);
// x * cos + rotate_half(x) * sin, with rotate_half(x) = cat(-x[..., d/2:], x[..., :d/2]).
at::Tensor apply_rotary(const at::Tensor& x, const RotaryTables& rotary);

// Causal self-attention with grouped-query support (each group of heads shares one k/v head).
// Training-time read-out of one decoder layer's attention probabilities on the calling thread
// (the trainer's attention supervision and the position probe; the inference paths never set
// one). While a scope is alive, the forward of layer `layer` (every layer when -1) stores its
// softmax output [B, heads, T, keys] in probs[layer] (probs grows as needed).
struct AttentionCapture {
    std::int64_t layer = -1;
    std::vector<at::Tensor> probs;
};
class AttentionCaptureScope {
public:
    explicit AttentionCaptureScope(AttentionCapture* capture);
    ~AttentionCaptureScope();
    AttentionCaptureScope(const AttentionCaptureScope&) = delete;
    AttentionCaptureScope& operator=(const AttentionCaptureScope&) = delete;

private:
    AttentionCapture* previous_;
};

class LlamaAttentionImpl : public torch::nn::Module {
public:
    // `layer_index` selects this layer's slot in a KvCache.
    LlamaAttentionImpl(const LlamaConfig& config, std::int64_t layer_index,
                       const LlmInit& init = {});
    // hidden [B, T, H] -> [B, T, H]. With a cache, the new keys/values are appended and the
    // queries attend to every cached position plus the causal part of the new ones.
    at::Tensor forward(at::Tensor hidden, const RotaryTables& rotary, KvCache* cache = nullptr);

    torch::nn::Linear q_proj{nullptr};
    torch::nn::Linear k_proj{nullptr};
    torch::nn::Linear v_proj{nullptr};
    torch::nn::Linear o_proj{nullptr};

private:
    std::int64_t heads_;
    std::int64_t kv_heads_;
    std::int64_t head_dim_;
    std::int64_t layer_index_;
};
TORCH_MODULE(LlamaAttention);

// SwiGLU feed-forward: down_proj(silu(gate_proj(x)) * up_proj(x)).
class LlamaMlpImpl : public torch::nn::Module {
public:
    explicit LlamaMlpImpl(const LlamaConfig& config, const LlmInit& init = {});
    at::Tensor forward(at::Tensor x);

    torch::nn::Linear gate_proj{nullptr};
    torch::nn::Linear up_proj{nullptr};
    torch::nn::Linear down_proj{nullptr};
};
TORCH_MODULE(LlamaMlp);

// Pre-norm block: h += self_attn(input_layernorm(h)); h += mlp(post_attention_layernorm(h)).
class LlamaDecoderLayerImpl : public torch::nn::Module {
public:
    LlamaDecoderLayerImpl(const LlamaConfig& config, std::int64_t layer_index,
                          const LlmInit& init = {});
    at::Tensor forward(at::Tensor hidden, const RotaryTables& rotary, KvCache* cache = nullptr);

    LlamaAttention self_attn{nullptr};
    LlamaMlp mlp{nullptr};
    RmsNorm input_layernorm{nullptr};
    RmsNorm post_attention_layernorm{nullptr};
};
TORCH_MODULE(LlamaDecoderLayer);

// The checkpoint's "model": the decoder stack plus, when built from a SegllmConfig, the vision
// tower and the three projectors (their forwards are called by the SegLLM glue).
class LlavaLlamaModelImpl : public torch::nn::Module {
public:
    // Decoder only (embed_tokens, layers, norm).
    explicit LlavaLlamaModelImpl(const LlamaConfig& config, const LlmInit& init = {});
    // Decoder plus vision_tower, mm_projector, mask_enc_head and segmentator_predictor.
    explicit LlavaLlamaModelImpl(const SegllmConfig& config, const LlmInit& init = {});

    // inputs_embeds [B, T, H] -> hidden states after the final norm [B, T, H]. `positions`
    // (int64 [T] or [B, T]) defaults to cache length + 0..T-1. With a cache the new positions are
    // appended (on an exception the cache is truncated back to its length at entry, in every
    // layer). `hook` (optional) is called after each decoder layer with (i + 1, layer count); an
    // exception it throws stops the forward there (the cache is truncated back likewise) and
    // propagates. Throws segllm::Error for a wrong input shape or a cache with another layer
    // count.
    at::Tensor forward(at::Tensor inputs_embeds, KvCache* cache = nullptr,
                       at::Tensor positions = {}, const LayerHook& hook = {});
    // Token embeddings of `input_ids` (int64 [B, T] or [T]).
    at::Tensor embed(const at::Tensor& input_ids);
    const LlamaConfig& config() const { return config_; }
    bool has_vision() const { return !vision_tower.is_empty(); }

    torch::nn::Embedding embed_tokens{nullptr};
    torch::nn::ModuleList layers{nullptr};
    RmsNorm norm{nullptr};
    // Present only when built from a SegllmConfig.
    ClipVisionTower vision_tower{nullptr};
    torch::nn::Sequential mm_projector{nullptr};
    torch::nn::Linear mask_enc_head{nullptr};
    torch::nn::Sequential segmentator_predictor{nullptr};

private:
    void build_decoder(const LlmInit& init);

    LlamaConfig config_;
    std::vector<LlamaDecoderLayer> layer_list_;  // typed handles of `layers`
};
TORCH_MODULE(LlavaLlamaModel);

// Result of a decoder forward.
struct LlamaOutput {
    at::Tensor hidden_states;  // [B, T, H] after the final norm
    at::Tensor logits;         // [B, T, vocab] (undefined unless requested)
};

// The root module: "model" plus the untied "lm_head".
class LlavaLlamaForCausalLMImpl : public torch::nn::Module {
public:
    // `init`: see LlmInit (lm_head is one of the large tensors).
    explicit LlavaLlamaForCausalLMImpl(const LlamaConfig& config, const LlmInit& init = {});
    explicit LlavaLlamaForCausalLMImpl(const SegllmConfig& config, const LlmInit& init = {});

    // See LlavaLlamaModelImpl::forward; `with_logits` also applies lm_head.
    LlamaOutput forward(at::Tensor inputs_embeds, KvCache* cache = nullptr,
                        bool with_logits = false, at::Tensor positions = {},
                        const LayerHook& hook = {});

    LlavaLlamaModel model{nullptr};
    torch::nn::Linear lm_head{nullptr};
};
TORCH_MODULE(LlavaLlamaForCausalLM);

}  // namespace segllm::model
