#include "core/model/clip.h"

#include "core/common/error.h"

#include <ATen/ATen.h>

#include <cmath>
#include <sstream>

namespace segllm::model {

void wait_for(const at::Tensor& t) {
    if (!t.device().is_cpu() && t.numel() > 0) {
        // One element copied to the host: waits for the kernels that computed `t`.
        (void)t.reshape({-1}).narrow(0, 0, 1).to(at::kCPU);
    }
}

at::Tensor quick_gelu(const at::Tensor& x) {
    return x * at::sigmoid(x * 1.702);
}

// ---------------------------------------------------------------------------------------------
// embeddings

ClipVisionEmbeddingsImpl::ClipVisionEmbeddingsImpl(const ClipVisionConfig& config)
    : image_size_(config.image_size) {
    class_embedding = register_parameter("class_embedding", at::zeros({config.hidden_size}));
    patch_embedding = register_module(
        "patch_embedding",
        torch::nn::Conv2d(torch::nn::Conv2dOptions(3, config.hidden_size, config.patch_size)
                              .stride(config.patch_size)
                              .bias(false)));
    position_embedding = register_module(
        "position_embedding", torch::nn::Embedding(config.num_positions(), config.hidden_size));
}

at::Tensor ClipVisionEmbeddingsImpl::forward(at::Tensor pixel_values) {
    if (pixel_values.dim() != 4 || pixel_values.size(1) != 3 ||
        pixel_values.size(2) != image_size_ || pixel_values.size(3) != image_size_) {
        std::ostringstream s;
        s << "CLIP vision tower: pixel_values must be [B, 3, " << image_size_ << ", " << image_size_
          << "], got " << pixel_values.sizes();
        throw Error(s.str());
    }
    const std::int64_t batch = pixel_values.size(0);
    const at::Tensor weight = patch_embedding->weight;
    at::Tensor patches = patch_embedding->forward(pixel_values.to(weight.scalar_type()));
    patches = patches.flatten(2).transpose(1, 2);  // [B, N, C]
    const at::Tensor cls = class_embedding.to(patches.scalar_type()).expand({batch, 1, -1});
    return at::cat({cls, patches}, 1) + position_embedding->weight.unsqueeze(0);
}

// ---------------------------------------------------------------------------------------------
// attention, MLP, layer

ClipAttentionImpl::ClipAttentionImpl(const ClipVisionConfig& config)
    : heads_(config.num_attention_heads), head_dim_(config.head_dim()) {
    const std::int64_t c = config.hidden_size;
    q_proj = register_module("q_proj", torch::nn::Linear(c, c));
    k_proj = register_module("k_proj", torch::nn::Linear(c, c));
    v_proj = register_module("v_proj", torch::nn::Linear(c, c));
    out_proj = register_module("out_proj", torch::nn::Linear(c, c));
}

at::Tensor ClipAttentionImpl::forward(at::Tensor hidden) {
    const std::int64_t b = hidden.size(0);
    const std::int64_t n = hidden.size(1);
    const auto split = [&](const at::Tensor& t) {
        return t.view({b, n, heads_, head_dim_}).transpose(1, 2);  // [B, h, N, d]
    };
    const double scale = 1.0 / std::sqrt(static_cast<double>(head_dim_));
    const at::Tensor q = split(q_proj->forward(hidden) * scale);
    const at::Tensor k = split(k_proj->forward(hidden));
    const at::Tensor v = split(v_proj->forward(hidden));
    // softmax in float32 (float64 for float64 inputs), like HF's LLaMA
    const at::ScalarType softmax_type = q.scalar_type() == at::kDouble ? at::kDouble : at::kFloat;
    const at::Tensor probs =
        at::softmax(at::matmul(q, k.transpose(-1, -2)), -1, softmax_type).to(q.scalar_type());
    const at::Tensor context = at::matmul(probs, v).transpose(1, 2).reshape({b, n, -1});
    return out_proj->forward(context);
}

ClipMlpImpl::ClipMlpImpl(const ClipVisionConfig& config) {
    fc1 = register_module("fc1", torch::nn::Linear(config.hidden_size, config.intermediate_size));
    fc2 = register_module("fc2", torch::nn::Linear(config.intermediate_size, config.hidden_size));
}

at::Tensor ClipMlpImpl::forward(at::Tensor x) {
    return fc2->forward(quick_gelu(fc1->forward(x)));
}

namespace {

torch::nn::LayerNorm layer_norm(const ClipVisionConfig& config) {
    return torch::nn::LayerNorm(
        torch::nn::LayerNormOptions({config.hidden_size}).eps(config.layer_norm_eps));
}

}  // namespace

ClipEncoderLayerImpl::ClipEncoderLayerImpl(const ClipVisionConfig& config) {
    self_attn = register_module("self_attn", ClipAttention(config));
    layer_norm1 = register_module("layer_norm1", layer_norm(config));
    mlp = register_module("mlp", ClipMlp(config));
    layer_norm2 = register_module("layer_norm2", layer_norm(config));
}

at::Tensor ClipEncoderLayerImpl::forward(at::Tensor hidden) {
    hidden = hidden + self_attn->forward(layer_norm1->forward(hidden));
    return hidden + mlp->forward(layer_norm2->forward(hidden));
}

// ---------------------------------------------------------------------------------------------
// encoder, transformer, tower

ClipEncoderImpl::ClipEncoderImpl(const ClipVisionConfig& config) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < config.num_hidden_layers; ++i) {
        layer_list_.push_back(ClipEncoderLayer(config));
        layers->push_back(layer_list_.back());
    }
}

at::Tensor ClipEncoderImpl::forward(at::Tensor hidden, std::int64_t count, const LayerHook& hook) {
    if (count < 0 || count > size()) {
        throw Error("CLIP encoder: cannot run " + std::to_string(count) + " of " +
                    std::to_string(size()) + " layers");
    }
    for (std::int64_t i = 0; i < count; ++i) {
        hidden = layer_list_[static_cast<std::size_t>(i)]->forward(hidden);
        if (hook) {
            wait_for(hidden);
            hook(i + 1, count);
        }
    }
    return hidden;
}

ClipVisionTransformerImpl::ClipVisionTransformerImpl(const ClipVisionConfig& config) {
    embeddings = register_module("embeddings", ClipVisionEmbeddings(config));
    pre_layrnorm = register_module("pre_layrnorm", layer_norm(config));
    encoder = register_module("encoder", ClipEncoder(config));
}

at::Tensor ClipVisionTransformerImpl::hidden_state(at::Tensor pixel_values, std::int64_t index,
                                                   const LayerHook& hook) {
    if (index < 0 || index > encoder->size()) {
        throw Error("CLIP vision tower: hidden state index " + std::to_string(index) +
                    " out of range 0.." + std::to_string(encoder->size()));
    }
    const at::Tensor embedded = pre_layrnorm->forward(embeddings->forward(pixel_values));
    return encoder->forward(embedded, index, hook);
}

ClipVisionTowerImpl::ClipVisionTowerImpl(const ClipVisionConfig& config) : config_(config) {
    validate_clip_config(config, "CLIP vision configuration");
    vision_tower = register_module("vision_tower", std::make_shared<torch::nn::Module>());
    vision_model = vision_tower->register_module("vision_model", ClipVisionTransformer(config));
}

ClipVisionOutput ClipVisionTowerImpl::forward(at::Tensor pixel_values, const LayerHook& hook) {
    const at::Tensor hidden =
        vision_model->hidden_state(pixel_values, config_.layers_to_run(), hook);
    return {hidden.narrow(1, 1, hidden.size(1) - 1), hidden.select(1, 0)};
}

}  // namespace segllm::model
