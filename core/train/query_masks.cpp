#include "core/train/query_masks.h"

#include "core/common/error.h"
#include "core/model/hipie/mask_head.h"

#include <string>
#include <vector>

namespace segllm::train {

at::Tensor query_mask_logits(hipie::HipieSegmentatorImpl& segmentator,
                             const at::Tensor& mask_features, const at::Tensor& query_features,
                             const at::Tensor& mask_reference) {
    const hipie::HipieConfig& c = segmentator.config();
    if (mask_features.dim() != 4 || mask_features.size(0) != 1 ||
        mask_features.size(1) != c.mask_in_channels() || query_features.dim() != 2 ||
        mask_reference.dim() != 2 || mask_reference.size(1) != 2 ||
        mask_reference.size(0) != query_features.size(0)) {
        throw Error("query_mask_logits: expected mask features [1, " +
                    std::to_string(c.mask_in_channels()) +
                    ", h, w], query features [K, d] and references [K, 2]");
    }
    const int64_t k = query_features.size(0);
    const int64_t h = mask_features.size(2), w = mask_features.size(3);
    const int64_t stride = c.mask_feat_stride;
    const auto opts = mask_features.options();
    const at::Tensor params = segmentator.controller(query_features);  // [K, P]
    const at::Tensor center = mask_reference.detach() * static_cast<double>(c.input_side);
    const at::Tensor lx =
        at::arange(w, opts) * static_cast<double>(stride) + static_cast<double>(stride / 2);
    const at::Tensor ly =
        at::arange(h, opts) * static_cast<double>(stride) + static_cast<double>(stride / 2);
    const at::Tensor rel_x =
        (center.select(1, 0).view({k, 1, 1}) - lx.view({1, 1, w})).expand({k, h, w});
    const at::Tensor rel_y =
        (center.select(1, 1).view({k, 1, 1}) - ly.view({1, h, 1})).expand({k, h, w});
    at::Tensor x =
        at::cat({rel_x.unsqueeze(1), rel_y.unsqueeze(1), mask_features.expand({k, -1, -1, -1})}, 1)
            .reshape({k, -1, h * w});  // [K, C + 2, hw]

    const auto weight_nums = c.dynamic_weight_nums();
    const auto bias_nums = c.dynamic_bias_nums();
    std::vector<int64_t> sizes(weight_nums);
    sizes.insert(sizes.end(), bias_nums.begin(), bias_nums.end());
    const auto splits = params.split_with_sizes(sizes, 1);
    const size_t n = weight_nums.size();
    for (size_t i = 0; i < n; ++i) {
        const int64_t out = i + 1 < n ? c.dynamic_mask_channels : 1;
        const at::Tensor wt = splits[i].reshape({k, out, -1});
        x = at::bmm(wt, x) + splits[n + i].reshape({k, out, 1});
        if (i + 1 < n) {
            x = at::relu(x);
        }
    }
    const at::Tensor logits = x.reshape({k, 1, h, w});
    return hipie::aligned_bilinear(logits, c.mask_feat_stride / c.mask_out_stride).select(1, 0);
}

}  // namespace segllm::train
