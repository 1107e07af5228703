#pragma once
// CondInst mask branch of HIPIE (segllm-reference.md 4.2 step 8): MaskHeadSmallConv on the
// encoder memory (levels 0..2), per-query dynamic 1x1 convs whose weights come from the
// controller, relative coordinates in pixels, and AdelaiDet's aligned_bilinear upsampling.

#include "core/model/hipie/hipie_config.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

namespace segllm::hipie {

// AdelaiDet aligned_bilinear: replicate-pad right/bottom by 1, bilinear (align_corners true) to
// (factor*h + 1, factor*w + 1), replicate-pad left/top by factor/2, crop to factor*h x factor*w.
// x [N, C, h, w]; factor >= 1. Throws segllm::Error on a bad rank or factor.
at::Tensor aligned_bilinear(const at::Tensor& x, int64_t factor);

// lay3(P5) -> +P4 (nearest up) -> lay4 -> +P3 -> jia_dcn -> lay1 -> lay2, ReLU after each.
// Channels: lay3/lay4/jia_dcn d->d, lay1 d->d/4, lay2 d/4->d/32.
class MaskHeadSmallConvImpl : public torch::nn::Module {
public:
    explicit MaskHeadSmallConvImpl(int64_t d_model);
    // levels = {P3 (stride 8), P4, P5} each [1, d, h, w] -> [1, d/32, h3, w3].
    at::Tensor forward(const std::vector<at::Tensor>& levels);

    torch::nn::Conv2d lay1{nullptr}, lay2{nullptr}, lay3{nullptr}, lay4{nullptr}, jia_dcn{nullptr};
};
TORCH_MODULE(MaskHeadSmallConv);

// Dynamic mask logits of one query at the mask-feature stride.
//   features [1, C, h, w] (MaskHeadSmallConv output), params [P] (controller output),
//   center_px (x, y) of the query's reference point in pixels.
// Input channels are [rel_x, rel_y, f0..f(C-1)] with rel = center - (stride*j + stride/2,
// stride*i + stride/2); params split as w0..w(n-1), b0..b(n-1) of the config's counts.
// Returns [1, 1, h, w]. Throws segllm::Error on a parameter-count mismatch.
at::Tensor dynamic_mask_logits(const at::Tensor& features, const at::Tensor& params,
                               double center_x, double center_y, const HipieConfig& config);

}  // namespace segllm::hipie
