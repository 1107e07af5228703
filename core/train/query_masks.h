#pragma once
// Stride-4 mask logits of many HIPIE queries at once, for the training losses: the CondInst
// dynamic head of core/model/hipie/mask_head.h (relative coordinates in pixels, dynamic 1x1
// convs from the controller, aligned_bilinear to stride 4) evaluated as batched matrix products
// instead of one convolution per query.

#include "core/model/hipie/hipie_model.h"

#include <ATen/ATen.h>

namespace segllm::train {

// mask_features [1, C, h, w] (HipieTrainOutput::mask_features), query_features [K, d],
// mask_reference [K, 2] normalised (cx, cy) -> mask logits [K, h * f, w * f] with
// f = mask_feat_stride / mask_out_stride. The reference points are detached (the inference
// path reads them as numbers). Equal to HipieSegmentatorImpl::mask_logits per query. Throws
// segllm::Error on shape mismatches.
at::Tensor query_mask_logits(hipie::HipieSegmentatorImpl& segmentator,
                             const at::Tensor& mask_features, const at::Tensor& query_features,
                             const at::Tensor& mask_reference);

}  // namespace segllm::train
