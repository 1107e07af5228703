#pragma once
// Small HIPIE building blocks shared by the transformer and the heads
// (segllm-reference.md 1.3, 4.2): the MLP, the language resizer, the VL_Align classifier, the
// Still_Classifier proposal scorer, the two sine position embeddings and inverse_sigmoid.

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

namespace segllm::hipie {

// log(x / (1 - x)) with x clamped to [0, 1] and both terms to at least eps (Deformable DETR).
at::Tensor inverse_sigmoid(const at::Tensor& x, double eps = 1e-5);

// DETR sine position embedding of an all-valid [h, w] map, normalised with Deformable DETR's
// half-pixel offset: y_i = (i + 0.5) / (h + 1e-6) * 2pi (same for x), dim_t[k] =
// temperature^(2 floor(k/2) / feats), channel 2k = sin, 2k+1 = cos. Returns [1, 2*feats, h, w]
// with the y features first, then x.
at::Tensor sine_position_embedding(int64_t h, int64_t w, int64_t feats,
                                   double temperature = 10000.0,
                                   const at::TensorOptions& options = at::kFloat);

// Sine embedding of normalised boxes [..., 4] (cx, cy, w, h): each coordinate times 2pi is
// embedded with `feats` channels (sin/cos interleaved as above) and the parts are concatenated
// in the order y, x, w, h. Returns [..., 4*feats]. Boxes [..., 2] give y, x only.
at::Tensor box_sine_embedding(const at::Tensor& boxes, int64_t feats, double temperature = 10000.0);

// Linear layers `layers.{i}` with ReLU between them (not after the last).
class MlpImpl : public torch::nn::Module {
public:
    MlpImpl(int64_t in, int64_t hidden, int64_t out, int64_t num_layers);
    at::Tensor forward(const at::Tensor& x);
    // The i-th linear layer.
    torch::nn::Linear layer(size_t i) const { return linears_.at(i); }

    torch::nn::ModuleList layers;

private:
    std::vector<torch::nn::Linear> linears_;
};
TORCH_MODULE(Mlp);

// MDETR FeatureResizer: `fc` then `layer_norm` (eps 1e-12); dropout is a no-op at inference.
class FeatureResizerImpl : public torch::nn::Module {
public:
    FeatureResizerImpl(int64_t in, int64_t out);
    at::Tensor forward(const at::Tensor& x);

    torch::nn::Linear fc{nullptr};
    torch::nn::LayerNorm layer_norm{nullptr};
};
TORCH_MODULE(FeatureResizer);

// VL_Align: logits[q, t] = (hs_q . proj(normalize(L_t) / 2)) / exp(log_scale)
//                          + normalize(L_t) . bias_lang + bias0, clamped to +-50000.
class VlAlignImpl : public torch::nn::Module {
public:
    VlAlignImpl(int64_t d_model, int64_t lang_dim, double log_scale_init, double bias0_init);
    // hs [N, Q, d], lang [N, T, lang_dim] -> [N, Q, T].
    at::Tensor forward(const at::Tensor& hs, const at::Tensor& lang);

    torch::nn::Linear dot_product_projection_text{nullptr};
    at::Tensor log_scale, bias_lang, bias0;
};
TORCH_MODULE(VlAlign);

// Still_Classifier: language-agnostic binary proposal score `body` Linear(d, 1).
class StillClassifierImpl : public torch::nn::Module {
public:
    StillClassifierImpl(int64_t d_model, double bias_init);
    // x [..., d] -> [..., 1].
    at::Tensor forward(const at::Tensor& x);

    torch::nn::Linear body{nullptr};
};
TORCH_MODULE(StillClassifier);

}  // namespace segllm::hipie
