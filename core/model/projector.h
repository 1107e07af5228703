#pragma once
// SegLLM's projectors and the rows they add to the LLM input (segllm-reference.md 1, 3, 4.1):
// mm_projector = Sequential(Linear(mm_hidden, hidden), GELU (exact erf), Linear(hidden, hidden))
// with children "0" and "2" (index 1, the GELU, has no parameters); mask_enc_head =
// Linear(box_dim, hidden); segmentator_predictor = Sequential(Linear(hidden, hidden), GELU,
// Linear(hidden, seg_token_count * seg_token_dim)).

#include "core/model/config.h"

#include <ATen/core/Tensor.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>

namespace segllm::model {

torch::nn::Sequential make_mm_projector(const ProjectorConfig& config);
torch::nn::Linear make_mask_enc_head(const ProjectorConfig& config);
torch::nn::Sequential make_segmentator_predictor(const ProjectorConfig& config);

// Image rows: video_embedding [H] + mm_projector(patches); patches [N, C] or [B, N, C] ->
// [N, H] or [B, N, H].
at::Tensor image_encode_rows(torch::nn::Sequential& mm_projector, const at::Tensor& video_embedding,
                             const at::Tensor& patches);
// Mask-encode rows: video_embedding [H] + scale * mm_projector(cls); cls [C] or [N, C] -> [N, H]
// (one row per referenced mask).
at::Tensor mask_encode_rows(torch::nn::Sequential& mm_projector, const at::Tensor& video_embedding,
                            const at::Tensor& cls, double scale = kEncodeFeatureScale);
// Box-encode rows: video_embedding [H] + scale * mask_enc_head(boxes); boxes [4] or [N, 4] of
// (top, left, bottom, right) / side -> [N, H].
at::Tensor box_encode_rows(torch::nn::Linear& mask_enc_head, const at::Tensor& video_embedding,
                           const at::Tensor& boxes, double scale = kEncodeFeatureScale);
// HIPIE language tokens of <seg> states: hidden [N, H] (post-norm state before each <seg>) ->
// [N, seg_token_count, seg_token_dim]. Throws segllm::Error if the output width is not a
// multiple of `seg_token_count`.
at::Tensor seg_tokens(torch::nn::Sequential& segmentator_predictor, const at::Tensor& hidden,
                      std::int64_t seg_token_count);

}  // namespace segllm::model
