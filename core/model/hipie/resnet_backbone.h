#pragma once
// Detectron2-style ResNet backbone of HIPIE (segllm-reference.md 1.3 and 7.2): FrozenBatchNorm2d
// everywhere, bias-free convs each followed by `.norm`, stride in the 3x3 conv. Module names
// follow the checkpoint: stem.conv1, resN.B.{conv1,conv2,conv3,shortcut} (+ `.norm`).

#include "core/model/hipie/hipie_config.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

namespace segllm::hipie {

// y = (x - running_mean) / sqrt(running_var + eps) * weight + bias, per channel; all four are
// buffers (weight/bias ones/zeros, running_mean zeros, running_var ones - eps, as detectron2).
class FrozenBatchNorm2dImpl : public torch::nn::Module {
public:
    explicit FrozenBatchNorm2dImpl(int64_t channels, double eps = 1e-5);
    // x [N, C, H, W] -> same shape.
    at::Tensor forward(const at::Tensor& x);

    at::Tensor weight, bias, running_mean, running_var;

private:
    double eps_;
};
TORCH_MODULE(FrozenBatchNorm2d);

// Detectron2's Conv2d with a norm: parameter `weight` (no bias) and child `norm`.
class Conv2dNormImpl : public torch::nn::Module {
public:
    Conv2dNormImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding,
                   double eps);
    // Convolution then FrozenBN (no activation).
    at::Tensor forward(const at::Tensor& x);

    at::Tensor weight;
    FrozenBatchNorm2d norm{nullptr};

private:
    int64_t stride_;
    int64_t padding_;
};
TORCH_MODULE(Conv2dNorm);

// Bottleneck: relu(conv3(relu(conv2(relu(conv1(x))))) + shortcut(x)); shortcut is a 1x1 conv
// with the block's stride when the channel count changes, identity otherwise.
class BottleneckBlockImpl : public torch::nn::Module {
public:
    BottleneckBlockImpl(int64_t in, int64_t bottleneck, int64_t out, int64_t stride, double eps);
    at::Tensor forward(const at::Tensor& x);

    Conv2dNorm conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, shortcut{nullptr};
};
TORCH_MODULE(BottleneckBlock);

// res3, res4, res5 outputs (strides 8, 16, 32).
struct ResNetFeatures {
    std::vector<at::Tensor> levels;
};

class ResNetImpl : public torch::nn::Module {
public:
    explicit ResNetImpl(const HipieBackboneConfig& config);
    // pixels [N, 3, H, W] (normalised) -> res3, res4, res5.
    ResNetFeatures forward(const at::Tensor& pixels);
    // Channels of res3, res4, res5.
    std::vector<int64_t> out_channels() const;

    torch::nn::Module& stem() { return *stem_; }

private:
    HipieBackboneConfig config_;
    std::shared_ptr<torch::nn::Module> stem_;
    Conv2dNorm stem_conv1_{nullptr};
    std::vector<torch::nn::ModuleList> stages_;  // res2..res5
};
TORCH_MODULE(ResNet);

}  // namespace segllm::hipie
