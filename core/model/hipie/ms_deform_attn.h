#pragma once
// Multi-scale deformable attention (Deformable DETR), in the pure grid_sample formulation of
// `ms_deform_attn_core_pytorch` (segllm-reference.md 9.13): bilinear, zero padding,
// align_corners false, grids = 2 * location - 1. Module names follow the checkpoint:
// sampling_offsets, attention_weights, value_proj, output_proj.

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

namespace segllm::hipie {

// Height and width of one feature level; levels are flattened row-major and concatenated.
struct LevelShape {
    int64_t h = 0;
    int64_t w = 0;
};

// Sum of h * w over the levels.
int64_t total_tokens(const std::vector<LevelShape>& shapes);

// The sampling core.
//   value:      [N, S, M, D]   (S = sum of h*w, M heads, D channels per head)
//   locations:  [N, Lq, M, L, P, 2] normalised (x, y) in [0, 1] (outside samples read zeros)
//   weights:    [N, Lq, M, L, P]
// Returns [N, Lq, M * D]. CPU float32/float64 inputs that need no gradient are sampled by a
// direct loop (the same bilinear arithmetic); otherwise the grid_sampler formulation runs (CUDA,
// training). Throws segllm::Error when the shapes disagree.
at::Tensor ms_deform_attn_core(const at::Tensor& value, const std::vector<LevelShape>& shapes,
                               const at::Tensor& locations, const at::Tensor& weights);

class MSDeformAttnImpl : public torch::nn::Module {
public:
    MSDeformAttnImpl(int64_t d_model, int64_t n_levels, int64_t n_heads, int64_t n_points);

    // query [N, Lq, d]; reference_points [N, Lq, L, 2] (normalised x, y: offsets are divided by
    // the level's (W, H)) or [N, Lq, L, 4] (normalised cx, cy, w, h: offsets are scaled by
    // w, h / n_points * 0.5); input [N, S, d]. Returns [N, Lq, d]. Throws segllm::Error on
    // shape mismatches.
    at::Tensor forward(const at::Tensor& query, const at::Tensor& reference_points,
                       const at::Tensor& input, const std::vector<LevelShape>& shapes);

    // Sampling locations [N, Lq, M, L, P, 2] for the given query and reference points (exposed
    // for tests and activation dumps).
    at::Tensor sampling_locations(const at::Tensor& query, const at::Tensor& reference_points,
                                  const std::vector<LevelShape>& shapes);

    // Deformable DETR's initialisation: zero offset weights with a per-head direction grid as
    // bias, zero attention weights, xavier-uniform projections with zero bias.
    void reset_parameters();

    int64_t n_heads() const { return n_heads_; }
    int64_t n_levels() const { return n_levels_; }
    int64_t n_points() const { return n_points_; }

    torch::nn::Linear sampling_offsets{nullptr};
    torch::nn::Linear attention_weights{nullptr};
    torch::nn::Linear value_proj{nullptr};
    torch::nn::Linear output_proj{nullptr};

private:
    int64_t d_model_;
    int64_t n_levels_;
    int64_t n_heads_;
    int64_t n_points_;
};
TORCH_MODULE(MSDeformAttn);

}  // namespace segllm::hipie
