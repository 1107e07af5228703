#include "core/model/hipie/resnet_backbone.h"

#include "core/common/error.h"

#include <torch/nn/init.h>

#include <string>

namespace segllm::hipie {

FrozenBatchNorm2dImpl::FrozenBatchNorm2dImpl(int64_t channels, double eps) : eps_(eps) {
    weight = register_buffer("weight", at::ones({channels}));
    bias = register_buffer("bias", at::zeros({channels}));
    running_mean = register_buffer("running_mean", at::zeros({channels}));
    running_var = register_buffer("running_var", at::ones({channels}) - eps);
}

at::Tensor FrozenBatchNorm2dImpl::forward(const at::Tensor& x) {
    if (x.dim() != 4 || x.size(1) != weight.size(0)) {
        throw Error("FrozenBatchNorm2d: expected [N, " + std::to_string(weight.size(0)) +
                    ", H, W] input, got " + std::to_string(x.dim()) + "-d with " +
                    std::to_string(x.dim() > 1 ? x.size(1) : -1) + " channels");
    }
    const at::Tensor scale = weight * (running_var + eps_).rsqrt();
    const at::Tensor shift = bias - running_mean * scale;
    return x * scale.view({1, -1, 1, 1}) + shift.view({1, -1, 1, 1});
}

Conv2dNormImpl::Conv2dNormImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride,
                               int64_t padding, double eps)
    : stride_(stride), padding_(padding) {
    weight = register_parameter("weight", at::empty({out, in, kernel, kernel}));
    norm = register_module("norm", FrozenBatchNorm2d(out, eps));
    // detectron2's c2_msra_fill: kaiming normal, fan_out, relu.
    torch::nn::init::kaiming_normal_(weight, 0.0, torch::kFanOut, torch::kReLU);
}

at::Tensor Conv2dNormImpl::forward(const at::Tensor& x) {
    return norm(at::conv2d(x, weight, {}, {stride_, stride_}, {padding_, padding_}));
}

BottleneckBlockImpl::BottleneckBlockImpl(int64_t in, int64_t bottleneck, int64_t out,
                                         int64_t stride, double eps) {
    if (in != out) {
        shortcut = register_module("shortcut", Conv2dNorm(in, out, 1, stride, 0, eps));
    }
    conv1 = register_module("conv1", Conv2dNorm(in, bottleneck, 1, 1, 0, eps));
    conv2 = register_module("conv2", Conv2dNorm(bottleneck, bottleneck, 3, stride, 1, eps));
    conv3 = register_module("conv3", Conv2dNorm(bottleneck, out, 1, 1, 0, eps));
}

at::Tensor BottleneckBlockImpl::forward(const at::Tensor& x) {
    at::Tensor y = at::relu(conv1(x));
    y = at::relu(conv2(y));
    y = conv3(y);
    y = y + (shortcut ? shortcut(x) : x);
    return at::relu(y);
}

ResNetImpl::ResNetImpl(const HipieBackboneConfig& config) : config_(config) {
    stem_ = register_module("stem", std::make_shared<torch::nn::Module>());
    const int64_t k = config.stem_kernel;
    stem_conv1_ = stem_->register_module(
        "conv1", Conv2dNorm(3, config.stem_channels, k, 2, k / 2, config.norm_eps));
    int64_t in = config.stem_channels;
    for (int s = 0; s < 4; ++s) {
        torch::nn::ModuleList stage;
        for (int64_t b = 0; b < config.blocks[s]; ++b) {
            const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
            stage->push_back(BottleneckBlock(in, config.bottleneck_channels[s],
                                             config.out_channels[s], stride, config.norm_eps));
            in = config.out_channels[s];
        }
        stages_.push_back(register_module("res" + std::to_string(s + 2), stage));
    }
}

ResNetFeatures ResNetImpl::forward(const at::Tensor& pixels) {
    if (pixels.dim() != 4 || pixels.size(1) != 3) {
        throw Error("HIPIE backbone: expected pixels [N, 3, H, W], got a " +
                    std::to_string(pixels.dim()) + "-d tensor");
    }
    at::Tensor x = at::relu(stem_conv1_(pixels));
    x = at::max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
    ResNetFeatures out;
    for (int s = 0; s < 4; ++s) {
        for (const auto& block : *stages_[static_cast<size_t>(s)]) {
            x = block->as<BottleneckBlockImpl>()->forward(x);
        }
        if (s > 0) {
            out.levels.push_back(x);
        }
    }
    return out;
}

std::vector<int64_t> ResNetImpl::out_channels() const {
    return {config_.out_channels[1], config_.out_channels[2], config_.out_channels[3]};
}

}  // namespace segllm::hipie
