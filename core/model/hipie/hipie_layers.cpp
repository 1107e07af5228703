#include "core/model/hipie/hipie_layers.h"

#include "core/common/error.h"

#include <string>

namespace segllm::hipie {

namespace {
constexpr double kTwoPi = 6.28318530717958647692;

// dim_t[k] = temperature^(2 floor(k/2) / feats), float32 like the reference.
at::Tensor dim_t(int64_t feats, double temperature, const at::TensorOptions& options) {
    const at::Tensor k = at::arange(feats, options.dtype(at::kFloat));
    return at::pow(temperature, 2.0 * at::floor(k / 2.0) / static_cast<double>(feats))
        .to(options.dtype());
}

// x [..., 1] already scaled -> [..., feats] with sin at even and cos at odd channels.
at::Tensor sin_cos(const at::Tensor& scaled, const at::Tensor& dims) {
    const at::Tensor p = scaled / dims;
    const int64_t feats = dims.size(0);
    const at::Tensor s = p.slice(-1, 0, feats, 2).sin();
    const at::Tensor c = p.slice(-1, 1, feats, 2).cos();
    return at::stack({s, c}, -1).flatten(-2);
}
}  // namespace

at::Tensor inverse_sigmoid(const at::Tensor& x, double eps) {
    const at::Tensor y = x.clamp(0.0, 1.0);
    return at::log(y.clamp_min(eps) / (1.0 - y).clamp_min(eps));
}

at::Tensor sine_position_embedding(int64_t h, int64_t w, int64_t feats, double temperature,
                                   const at::TensorOptions& options) {
    if (h <= 0 || w <= 0 || feats <= 0 || feats % 2 != 0) {
        throw Error("sine_position_embedding: bad size " + std::to_string(h) + "x" +
                    std::to_string(w) + " or feature count " + std::to_string(feats));
    }
    const double eps = 1e-6;
    const at::Tensor dims = dim_t(feats, temperature, options);
    // cumsum of ones is 1..n; minus 0.5, over (n + eps), times 2pi
    const at::Tensor ys =
        (at::arange(1, h + 1, options) - 0.5) / (static_cast<double>(h) + eps) * kTwoPi;
    const at::Tensor xs =
        (at::arange(1, w + 1, options) - 0.5) / (static_cast<double>(w) + eps) * kTwoPi;
    const at::Tensor pos_y = sin_cos(ys.view({h, 1, 1}), dims).expand({h, w, feats});
    const at::Tensor pos_x = sin_cos(xs.view({1, w, 1}), dims).expand({h, w, feats});
    return at::cat({pos_y, pos_x}, -1).permute({2, 0, 1}).unsqueeze(0).contiguous();
}

at::Tensor box_sine_embedding(const at::Tensor& boxes, int64_t feats, double temperature) {
    const int64_t k = boxes.size(-1);
    if (k != 2 && k != 4) {
        throw Error("box_sine_embedding: expected [..., 2] or [..., 4] coordinates, got " +
                    std::to_string(k));
    }
    const at::Tensor dims = dim_t(feats, temperature, boxes.options());
    std::vector<at::Tensor> parts;
    for (int64_t i = 0; i < k; ++i) {
        parts.push_back(sin_cos(boxes.narrow(-1, i, 1) * kTwoPi, dims));
    }
    std::swap(parts[0], parts[1]);  // order y, x, (w, h)
    return at::cat(parts, -1);
}

MlpImpl::MlpImpl(int64_t in, int64_t hidden, int64_t out, int64_t num_layers) {
    layers = register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < num_layers; ++i) {
        const int64_t a = i == 0 ? in : hidden;
        const int64_t b = i == num_layers - 1 ? out : hidden;
        linears_.emplace_back(a, b);
        layers->push_back(linears_.back());
    }
}

at::Tensor MlpImpl::forward(const at::Tensor& x) {
    at::Tensor y = x;
    for (size_t i = 0; i < linears_.size(); ++i) {
        y = linears_[i](y);
        if (i + 1 < linears_.size()) {
            y = at::relu(y);
        }
    }
    return y;
}

FeatureResizerImpl::FeatureResizerImpl(int64_t in, int64_t out) {
    fc = register_module("fc", torch::nn::Linear(in, out));
    layer_norm = register_module(
        "layer_norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({out}).eps(1e-12)));
}

at::Tensor FeatureResizerImpl::forward(const at::Tensor& x) {
    return layer_norm(fc(x));
}

VlAlignImpl::VlAlignImpl(int64_t d_model, int64_t lang_dim, double log_scale_init,
                         double bias0_init) {
    dot_product_projection_text =
        register_module("dot_product_projection_text", torch::nn::Linear(lang_dim, d_model));
    log_scale = register_parameter("log_scale", at::full({1}, log_scale_init));
    bias_lang = register_parameter("bias_lang", at::zeros({lang_dim}));
    bias0 = register_parameter("bias0", at::full({1}, bias0_init));
}

at::Tensor VlAlignImpl::forward(const at::Tensor& hs, const at::Tensor& lang) {
    if (hs.dim() != 3 || lang.dim() != 3 || hs.size(0) != lang.size(0) ||
        lang.size(2) != bias_lang.size(0)) {
        throw Error("VL_Align: expected hs [N, Q, d] and language [N, T, " +
                    std::to_string(bias_lang.size(0)) + "]");
    }
    // F.normalize: x / max(||x||, 1e-12)
    const at::Tensor emb = lang / lang.norm(2, {-1}, true).clamp_min(1e-12);
    const at::Tensor tokens = dot_product_projection_text(emb / 2.0);  // [N, T, d]
    const at::Tensor bias = at::matmul(emb, bias_lang) + bias0;        // [N, T]
    const at::Tensor logits =
        at::matmul(hs, tokens.transpose(-1, -2)) / log_scale.exp() + bias.unsqueeze(1);
    return logits.clamp(-50000.0, 50000.0);
}

StillClassifierImpl::StillClassifierImpl(int64_t d_model, double bias_init) {
    body = register_module("body", torch::nn::Linear(d_model, 1));
    at::NoGradGuard no_grad;
    body->bias.fill_(bias_init);
}

at::Tensor StillClassifierImpl::forward(const at::Tensor& x) {
    return body(x);
}

}  // namespace segllm::hipie
