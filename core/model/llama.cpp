#include "core/model/llama.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>
#include <sstream>

namespace segllm::model {

namespace {

thread_local AttentionCapture* t_attention_capture = nullptr;

at::TensorOptions init_options(const LlmInit& init) {
    return at::TensorOptions().device(init.device).dtype(init.dtype);
}

// A bias-free Linear in -> out. With init.direct the module is constructed with a 1 x 1
// placeholder weight (cheap, on the CPU) whose data is then replaced by the real [out, in]
// tensor allocated on the target device in the target dtype.
torch::nn::Linear make_linear(std::int64_t in, std::int64_t out, const LlmInit& init) {
    if (!init.direct) {
        return torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false));
    }
    torch::nn::Linear linear(torch::nn::LinearOptions(1, 1).bias(false));
    linear->options.in_features(in).out_features(out);
    at::NoGradGuard no_grad;
    at::Tensor weight = at::empty({out, in}, init_options(init));
    if (!init.uninitialised) {
        // LibTorch's kaiming_uniform_(a = sqrt(5)) bound for a Linear: 1 / sqrt(fan_in).
        const double bound = 1.0 / std::sqrt(static_cast<double>(in));
        weight.uniform_(-bound, bound);
    }
    linear->weight.set_data(weight);
    return linear;
}

// The token embedding [vocab, hidden]; with init.direct built as make_linear does.
torch::nn::Embedding make_embedding(std::int64_t vocab, std::int64_t hidden, const LlmInit& init) {
    if (!init.direct) {
        return torch::nn::Embedding(vocab, hidden);
    }
    torch::nn::Embedding embedding(torch::nn::EmbeddingOptions(1, 1));
    embedding->options.num_embeddings(vocab).embedding_dim(hidden);
    at::NoGradGuard no_grad;
    at::Tensor weight = at::empty({vocab, hidden}, init_options(init));
    if (!init.uninitialised) {
        weight.normal_(0.0, 1.0);  // LibTorch's Embedding initialisation
    }
    embedding->weight.set_data(weight);
    return embedding;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// RMSNorm and rotary embeddings

RmsNormImpl::RmsNormImpl(std::int64_t dim, double eps) : eps_(eps) {
    weight = register_parameter("weight", at::ones({dim}));
}

at::Tensor RmsNormImpl::forward(at::Tensor x) {
    const at::ScalarType dtype = x.scalar_type();
    const at::Tensor xf = x.to(dtype == at::kDouble ? at::kDouble : at::kFloat);
    const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean({-1}, true) + eps_);
    return weight * normed.to(dtype);
}

RotaryTables rotary_tables(const at::Tensor& positions, std::int64_t head_dim, double theta,
                           at::ScalarType dtype) {
    if (positions.dim() < 1 || positions.dim() > 2) {
        std::ostringstream s;
        s << "rotary_tables: positions must be [T] or [B, T], got " << positions.sizes();
        throw Error(s.str());
    }
    const at::ScalarType compute = dtype == at::kDouble ? at::kDouble : at::kFloat;
    const auto options = at::TensorOptions().dtype(compute).device(positions.device());
    // inv_freq[i] = theta^(-2i / head_dim), i = 0 .. head_dim/2 - 1
    const at::Tensor exponents =
        at::arange(0, head_dim, 2, options) / static_cast<double>(head_dim);
    const at::Tensor inv_freq = at::pow(theta, exponents).reciprocal();
    const at::Tensor angles = positions.to(compute).unsqueeze(-1) * inv_freq;  // [..., T, d/2]
    at::Tensor emb = at::cat({angles, angles}, -1);                            // [..., T, d]
    emb = positions.dim() == 1 ? emb.unsqueeze(0).unsqueeze(0) : emb.unsqueeze(1);
    return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

at::Tensor apply_rotary(const at::Tensor& x, const RotaryTables& rotary) {
    const std::int64_t half = x.size(-1) / 2;
    const at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    return x * rotary.cos + rotated * rotary.sin;
}

// ---------------------------------------------------------------------------------------------
// attention, MLP, layer

AttentionCaptureScope::AttentionCaptureScope(AttentionCapture* capture)
    : previous_(t_attention_capture) {
    t_attention_capture = capture;
}

AttentionCaptureScope::~AttentionCaptureScope() {
    t_attention_capture = previous_;
}

LlamaAttentionImpl::LlamaAttentionImpl(const LlamaConfig& config, std::int64_t layer_index,
                                       const LlmInit& init)
    : heads_(config.num_attention_heads),
      kv_heads_(config.num_key_value_heads),
      head_dim_(config.head_dim()),
      layer_index_(layer_index) {
    const std::int64_t h = config.hidden_size;
    const std::int64_t kv = kv_heads_ * head_dim_;
    q_proj = register_module("q_proj", make_linear(h, h, init));
    k_proj = register_module("k_proj", make_linear(h, kv, init));
    v_proj = register_module("v_proj", make_linear(h, kv, init));
    o_proj = register_module("o_proj", make_linear(h, h, init));
}

at::Tensor LlamaAttentionImpl::forward(at::Tensor hidden, const RotaryTables& rotary,
                                       KvCache* cache) {
    const std::int64_t b = hidden.size(0);
    const std::int64_t t = hidden.size(1);
    const auto split = [&](const at::Tensor& x, std::int64_t heads) {
        return x.view({b, t, heads, head_dim_}).transpose(1, 2);  // [B, heads, T, d]
    };
    const at::Tensor q = apply_rotary(split(q_proj->forward(hidden), heads_), rotary);
    at::Tensor k = apply_rotary(split(k_proj->forward(hidden), kv_heads_), rotary);
    at::Tensor v = split(v_proj->forward(hidden), kv_heads_);
    if (cache != nullptr) {
        KvCache::View all = cache->append(layer_index_, k, v);
        k = all.keys;
        v = all.values;
    }
    const std::int64_t s = k.size(2);  // past + T key positions
    if (kv_heads_ != heads_) {
        // head i uses kv head i / groups (HF repeat_kv)
        const std::int64_t groups = heads_ / kv_heads_;
        k = k.unsqueeze(2)
                .expand({b, kv_heads_, groups, s, head_dim_})
                .reshape({b, heads_, s, head_dim_});
        v = v.unsqueeze(2)
                .expand({b, kv_heads_, groups, s, head_dim_})
                .reshape({b, heads_, s, head_dim_});
    }
    at::Tensor scores =
        at::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim_));
    if (t > 1) {
        // query i (absolute position past + i) sees keys j <= past + i
        const at::Tensor blocked =
            at::ones({t, s}, at::TensorOptions().dtype(at::kBool).device(hidden.device()))
                .triu(s - t + 1);
        scores = scores.masked_fill(blocked, -std::numeric_limits<double>::infinity());
    }
    const at::Tensor probs =
        at::softmax(scores, -1, q.scalar_type() == at::kDouble ? at::kDouble : at::kFloat)
            .to(q.scalar_type());
    if (t_attention_capture != nullptr &&
        (t_attention_capture->layer < 0 || t_attention_capture->layer == layer_index_)) {
        std::vector<at::Tensor>& kept = t_attention_capture->probs;
        if (static_cast<std::int64_t>(kept.size()) <= layer_index_) {
            kept.resize(static_cast<size_t>(layer_index_ + 1));
        }
        kept[static_cast<size_t>(layer_index_)] = probs;
    }
    const at::Tensor context =
        at::matmul(probs, v).transpose(1, 2).reshape({b, t, heads_ * head_dim_});
    return o_proj->forward(context);
}

LlamaMlpImpl::LlamaMlpImpl(const LlamaConfig& config, const LlmInit& init) {
    const std::int64_t h = config.hidden_size;
    const std::int64_t i = config.intermediate_size;
    gate_proj = register_module("gate_proj", make_linear(h, i, init));
    up_proj = register_module("up_proj", make_linear(h, i, init));
    down_proj = register_module("down_proj", make_linear(i, h, init));
}

at::Tensor LlamaMlpImpl::forward(at::Tensor x) {
    return down_proj->forward(at::silu(gate_proj->forward(x)) * up_proj->forward(x));
}

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const LlamaConfig& config, std::int64_t layer_index,
                                             const LlmInit& init) {
    self_attn = register_module("self_attn", LlamaAttention(config, layer_index, init));
    mlp = register_module("mlp", LlamaMlp(config, init));
    input_layernorm =
        register_module("input_layernorm", RmsNorm(config.hidden_size, config.rms_norm_eps));
    post_attention_layernorm = register_module("post_attention_layernorm",
                                               RmsNorm(config.hidden_size, config.rms_norm_eps));
}

at::Tensor LlamaDecoderLayerImpl::forward(at::Tensor hidden, const RotaryTables& rotary,
                                          KvCache* cache) {
    hidden = hidden + self_attn->forward(input_layernorm->forward(hidden), rotary, cache);
    return hidden + mlp->forward(post_attention_layernorm->forward(hidden));
}

// ---------------------------------------------------------------------------------------------
// model

LlavaLlamaModelImpl::LlavaLlamaModelImpl(const LlamaConfig& config, const LlmInit& init)
    : config_(config) {
    validate_llama_config(config, "LLaMA configuration");
    build_decoder(init);
}

LlavaLlamaModelImpl::LlavaLlamaModelImpl(const SegllmConfig& config, const LlmInit& init)
    : config_(config.llm) {
    validate_llava_config(config, "model configuration");
    build_decoder(init);
    vision_tower = register_module("vision_tower", ClipVisionTower(config.vision));
    mm_projector = register_module("mm_projector", make_mm_projector(config.projector));
    mask_enc_head = register_module("mask_enc_head", make_mask_enc_head(config.projector));
    segmentator_predictor =
        register_module("segmentator_predictor", make_segmentator_predictor(config.projector));
}

void LlavaLlamaModelImpl::build_decoder(const LlmInit& init) {
    embed_tokens = register_module("embed_tokens",
                                   make_embedding(config_.vocab_size, config_.hidden_size, init));
    layers = register_module("layers", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < config_.num_hidden_layers; ++i) {
        layer_list_.push_back(LlamaDecoderLayer(config_, i, init));
        layers->push_back(layer_list_.back());
    }
    norm = register_module("norm", RmsNorm(config_.hidden_size, config_.rms_norm_eps));
}

at::Tensor LlavaLlamaModelImpl::embed(const at::Tensor& input_ids) {
    return embed_tokens->forward(input_ids);
}

at::Tensor LlavaLlamaModelImpl::forward(at::Tensor inputs_embeds, KvCache* cache,
                                        at::Tensor positions, const LayerHook& hook) {
    if (inputs_embeds.dim() != 3 || inputs_embeds.size(2) != config_.hidden_size ||
        inputs_embeds.size(1) == 0) {
        std::ostringstream s;
        s << "LLaMA forward: inputs_embeds must be [B, T, " << config_.hidden_size
          << "] with T > 0, got " << inputs_embeds.sizes();
        throw Error(s.str());
    }
    if (cache != nullptr && cache->num_layers() != config_.num_hidden_layers) {
        throw Error("LLaMA forward: the KV cache has " + std::to_string(cache->num_layers()) +
                    " layers, the model " + std::to_string(config_.num_hidden_layers));
    }
    const std::int64_t past = cache != nullptr ? cache->length() : 0;
    const std::int64_t t = inputs_embeds.size(1);
    if (!positions.defined()) {
        positions = at::arange(past, past + t,
                               at::TensorOptions().dtype(at::kLong).device(inputs_embeds.device()));
    } else if (positions.size(-1) != t) {
        std::ostringstream s;
        s << "LLaMA forward: positions " << positions.sizes() << " do not match " << t << " tokens";
        throw Error(s.str());
    }
    const RotaryTables rotary = rotary_tables(positions, config_.head_dim(), config_.rope_theta,
                                              inputs_embeds.scalar_type());
    at::Tensor hidden = inputs_embeds;
    try {
        const auto count = static_cast<std::int64_t>(layer_list_.size());
        for (std::int64_t i = 0; i < count; ++i) {
            hidden = layer_list_[static_cast<std::size_t>(i)]->forward(hidden, rotary, cache);
            if (hook) {
                wait_for(hidden);
                hook(i + 1, count);
            }
        }
    } catch (...) {
        if (cache != nullptr) {
            cache->truncate(past);
        }
        throw;
    }
    return norm->forward(hidden);
}

LlavaLlamaForCausalLMImpl::LlavaLlamaForCausalLMImpl(const LlamaConfig& config,
                                                     const LlmInit& init) {
    model = register_module("model", LlavaLlamaModel(config, init));
    lm_head = register_module("lm_head", make_linear(config.hidden_size, config.vocab_size, init));
}

LlavaLlamaForCausalLMImpl::LlavaLlamaForCausalLMImpl(const SegllmConfig& config,
                                                     const LlmInit& init) {
    model = register_module("model", LlavaLlamaModel(config, init));
    lm_head = register_module("lm_head",
                              make_linear(config.llm.hidden_size, config.llm.vocab_size, init));
}

LlamaOutput LlavaLlamaForCausalLMImpl::forward(at::Tensor inputs_embeds, KvCache* cache,
                                               bool with_logits, at::Tensor positions,
                                               const LayerHook& hook) {
    LlamaOutput out;
    out.hidden_states = model->forward(std::move(inputs_embeds), cache, std::move(positions), hook);
    if (with_logits) {
        out.logits = lm_head->forward(out.hidden_states);
    }
    return out;
}

}  // namespace segllm::model
