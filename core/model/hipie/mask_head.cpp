#include "core/model/hipie/mask_head.h"

#include "core/common/error.h"

#include <torch/nn/init.h>

#include <string>

namespace segllm::hipie {

at::Tensor aligned_bilinear(const at::Tensor& x, int64_t factor) {
    if (x.dim() != 4 || factor < 1) {
        throw Error("aligned_bilinear: expected a 4-d tensor and factor >= 1, got " +
                    std::to_string(x.dim()) + "-d and factor " + std::to_string(factor));
    }
    if (factor == 1) {
        return x;
    }
    const int64_t h = x.size(2), w = x.size(3);
    at::Tensor y = at::replication_pad2d(x, {0, 1, 0, 1});
    const int64_t oh = factor * h + 1, ow = factor * w + 1;
    y = at::upsample_bilinear2d(y, {oh, ow}, true);
    y = at::replication_pad2d(y, {factor / 2, 0, factor / 2, 0});
    return y.narrow(2, 0, oh - 1).narrow(3, 0, ow - 1);
}

MaskHeadSmallConvImpl::MaskHeadSmallConvImpl(int64_t d) {
    auto conv = [](int64_t in, int64_t out) {
        return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1));
    };
    lay1 = register_module("lay1", conv(d, d / 4));
    lay2 = register_module("lay2", conv(d / 4, d / 32));
    lay3 = register_module("lay3", conv(d, d));
    lay4 = register_module("lay4", conv(d, d));
    jia_dcn = register_module("jia_dcn", conv(d, d));
    at::NoGradGuard no_grad;
    for (auto* c : {&lay1, &lay2, &lay3, &lay4, &jia_dcn}) {
        torch::nn::init::kaiming_uniform_((*c)->weight, 1.0);
        (*c)->bias.zero_();
    }
}

at::Tensor MaskHeadSmallConvImpl::forward(const std::vector<at::Tensor>& levels) {
    if (levels.size() != 3) {
        throw Error("MaskHeadSmallConv: expected 3 feature levels (P3, P4, P5), got " +
                    std::to_string(levels.size()));
    }
    const at::Tensor& p3 = levels[0];
    const at::Tensor& p4 = levels[1];
    const at::Tensor& p5 = levels[2];
    at::Tensor x = at::relu(lay3(p5));
    x = at::relu(lay4(p4 + at::upsample_nearest2d(x, {p4.size(2), p4.size(3)})));
    x = at::relu(jia_dcn(p3 + at::upsample_nearest2d(x, {p3.size(2), p3.size(3)})));
    x = at::relu(lay1(x));
    return at::relu(lay2(x));
}

at::Tensor dynamic_mask_logits(const at::Tensor& features, const at::Tensor& params,
                               double center_x, double center_y, const HipieConfig& config) {
    const auto weight_nums = config.dynamic_weight_nums();
    const auto bias_nums = config.dynamic_bias_nums();
    if (features.dim() != 4 || features.size(0) != 1 ||
        features.size(1) != config.mask_in_channels()) {
        throw Error("dynamic mask head: expected features [1, " +
                    std::to_string(config.mask_in_channels()) + ", h, w]");
    }
    if (params.dim() != 1 || params.size(0) != config.controller_out_dim()) {
        throw Error("dynamic mask head: expected " + std::to_string(config.controller_out_dim()) +
                    " controller parameters, got " + std::to_string(params.numel()));
    }
    const int64_t h = features.size(2), w = features.size(3);
    const int64_t stride = config.mask_feat_stride;
    const auto opts = features.options();
    const at::Tensor lx =
        at::arange(w, opts) * static_cast<double>(stride) + static_cast<double>(stride / 2);
    const at::Tensor ly =
        at::arange(h, opts) * static_cast<double>(stride) + static_cast<double>(stride / 2);
    const at::Tensor rel_x = (center_x - lx).view({1, 1, 1, w}).expand({1, 1, h, w});
    const at::Tensor rel_y = (center_y - ly).view({1, 1, h, 1}).expand({1, 1, h, w});
    at::Tensor x = at::cat({rel_x, rel_y, features}, 1);

    std::vector<int64_t> sizes(weight_nums);
    sizes.insert(sizes.end(), bias_nums.begin(), bias_nums.end());
    const auto splits = params.split_with_sizes(sizes, 0);
    const size_t n = weight_nums.size();
    for (size_t i = 0; i < n; ++i) {
        const int64_t out = i + 1 < n ? config.dynamic_mask_channels : 1;
        const at::Tensor wt = splits[i].reshape({out, -1, 1, 1});
        x = at::conv2d(x, wt, splits[n + i]);
        if (i + 1 < n) {
            x = at::relu(x);
        }
    }
    return x;
}

}  // namespace segllm::hipie
