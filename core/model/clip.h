#pragma once
// The CLIP ViT image encoder of the LLM side, named like the checkpoint:
// vision_tower (LLaVA's CLIPVisionTower) . vision_tower (HF CLIPVisionModel) . vision_model
// { embeddings.{class_embedding, patch_embedding, position_embedding}, pre_layrnorm,
//   encoder.layers.N.{self_attn.{q,k,v,out}_proj, layer_norm1, mlp.{fc1,fc2}, layer_norm2} }.
// post_layernorm and visual_projection of the checkpoint are unused and not built.

#include "core/model/config.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace segllm::model {

// Called by a layer stack (CLIP encoder, LLaMA decoder) after each layer with (layers done,
// layers in this forward). It may throw to stop the forward there (cancellation); an empty hook
// is not called. On an asynchronous device (CUDA) the stack first waits for the layer's kernels
// (one element copied to the host), so the hook sees real progress and a stop takes effect
// within one layer instead of after the already queued ones.
using LayerHook = std::function<void(std::int64_t done, std::int64_t total)>;

// Waits for the kernels that computed `t` (nothing on the CPU).
void wait_for(const at::Tensor& t);

// x * sigmoid(1.702 x)
at::Tensor quick_gelu(const at::Tensor& x);

// Class token + patch embedding (conv without bias) + learned position embedding.
class ClipVisionEmbeddingsImpl : public torch::nn::Module {
public:
    explicit ClipVisionEmbeddingsImpl(const ClipVisionConfig& config);
    // pixel_values [B, 3, S, S] -> [B, 1 + patches, C] (class token first). Throws
    // segllm::Error for another image size.
    at::Tensor forward(at::Tensor pixel_values);

    at::Tensor class_embedding;
    torch::nn::Conv2d patch_embedding{nullptr};
    torch::nn::Embedding position_embedding{nullptr};

private:
    std::int64_t image_size_;
};
TORCH_MODULE(ClipVisionEmbeddings);

// Bidirectional multi-head attention (queries scaled by head_dim^-0.5, biases everywhere).
class ClipAttentionImpl : public torch::nn::Module {
public:
    explicit ClipAttentionImpl(const ClipVisionConfig& config);
    at::Tensor forward(at::Tensor hidden);  // [B, N, C] -> [B, N, C]

    torch::nn::Linear q_proj{nullptr};
    torch::nn::Linear k_proj{nullptr};
    torch::nn::Linear v_proj{nullptr};
    torch::nn::Linear out_proj{nullptr};

private:
    std::int64_t heads_;
    std::int64_t head_dim_;
};
TORCH_MODULE(ClipAttention);

// fc2(quick_gelu(fc1(x))).
class ClipMlpImpl : public torch::nn::Module {
public:
    explicit ClipMlpImpl(const ClipVisionConfig& config);
    at::Tensor forward(at::Tensor x);

    torch::nn::Linear fc1{nullptr};
    torch::nn::Linear fc2{nullptr};
};
TORCH_MODULE(ClipMlp);

// Pre-norm block: h += self_attn(layer_norm1(h)); h += mlp(layer_norm2(h)).
class ClipEncoderLayerImpl : public torch::nn::Module {
public:
    explicit ClipEncoderLayerImpl(const ClipVisionConfig& config);
    at::Tensor forward(at::Tensor hidden);

    ClipAttention self_attn{nullptr};
    torch::nn::LayerNorm layer_norm1{nullptr};
    ClipMlp mlp{nullptr};
    torch::nn::LayerNorm layer_norm2{nullptr};
};
TORCH_MODULE(ClipEncoderLayer);

// HF CLIPEncoder: "layers" only.
class ClipEncoderImpl : public torch::nn::Module {
public:
    explicit ClipEncoderImpl(const ClipVisionConfig& config);
    // Runs the first `count` layers (0 .. size()) on hidden [B, N, C]; `hook` (optional) is
    // called after each of them with (i + 1, count).
    at::Tensor forward(at::Tensor hidden, std::int64_t count, const LayerHook& hook = {});
    std::int64_t size() const { return static_cast<std::int64_t>(layer_list_.size()); }

    torch::nn::ModuleList layers{nullptr};

private:
    std::vector<ClipEncoderLayer> layer_list_;  // typed handles of `layers`
};
TORCH_MODULE(ClipEncoder);

// Named result of the vision tower at the selected layer.
struct ClipVisionOutput {
    at::Tensor patches;  // [B, patches, C] (class token removed)
    at::Tensor cls;      // [B, C]
};

// HF CLIPVisionTransformer ("vision_model"): embeddings, pre_layrnorm, encoder.layers.
class ClipVisionTransformerImpl : public torch::nn::Module {
public:
    explicit ClipVisionTransformerImpl(const ClipVisionConfig& config);
    // HF hidden_states[index] for index in 0..num_hidden_layers: 0 = embeddings after
    // pre_layrnorm, i = output of encoder layer i (1-based); only the first `index` layers run.
    // pixel_values [B, 3, S, S] -> [B, 1 + patches, C]. Throws segllm::Error for an index out of
    // range. `hook`: see ClipEncoderImpl::forward.
    at::Tensor hidden_state(at::Tensor pixel_values, std::int64_t index,
                            const LayerHook& hook = {});

    ClipVisionEmbeddings embeddings{nullptr};
    torch::nn::LayerNorm pre_layrnorm{nullptr};  // sic, HF's spelling
    ClipEncoder encoder{nullptr};
};
TORCH_MODULE(ClipVisionTransformer);

// LLaVA's CLIPVisionTower wrapper: child "vision_tower" (HF CLIPVisionModel) whose child is
// "vision_model". Runs the layers up to config.select_layer (hidden_states[-2] officially).
class ClipVisionTowerImpl : public torch::nn::Module {
public:
    explicit ClipVisionTowerImpl(const ClipVisionConfig& config);
    // pixel_values [B, 3, S, S] (CLIP-normalised) -> patch tokens and class token of the
    // selected layer. `hook` (optional) is called after each encoder layer run (see
    // ClipEncoderImpl::forward).
    ClipVisionOutput forward(at::Tensor pixel_values, const LayerHook& hook = {});
    const ClipVisionConfig& config() const { return config_; }

    // HF CLIPVisionModel, whose only child is "vision_model".
    std::shared_ptr<torch::nn::Module> vision_tower;
    ClipVisionTransformer vision_model{nullptr};  // registered as vision_tower.vision_model

private:
    ClipVisionConfig config_;
};
TORCH_MODULE(ClipVisionTower);

}  // namespace segllm::model
