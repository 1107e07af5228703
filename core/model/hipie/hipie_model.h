#pragma once
// The HIPIE mask decoder of SegLLM (segllm-reference.md 1.3, 4.1-4.3). The top module is meant
// to be registered by the SegLLM glue as `segmentator`; its tree then gives the official keys
// `segmentator.hipie.detr.detr.backbone.0.backbone.stem.conv1.weight`, ...,
// `segmentator.hipie.detr.controller...`, `segmentator.hipie.detr.mask_head...`. The unused
// BERT text encoder and the criterion are not built (see hipie_keys.h).
//
// Use: features = encode_image(pixels) once per image; out = decode(features, lang_tokens) per
// <seg>; candidate_mask(out, out.selection.chosen.query) for the mask. Run under NoGradGuard.

#include "core/model/hipie/deformable_transformer.h"
#include "core/model/hipie/hipie_config.h"
#include "core/model/hipie/hipie_layers.h"
#include "core/model/hipie/hipie_selection.h"
#include "core/model/hipie/mask_head.h"
#include "core/model/hipie/ms_deform_attn.h"
#include "core/model/hipie/resnet_backbone.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <vector>

namespace segllm::hipie {

// Backbone + input_proj output of one image, reused by every <seg> of that image.
struct HipieImageFeatures {
    at::Tensor src;                  // [1, S, d] projected levels, flattened and concatenated
    at::Tensor pos;                  // [1, S, d] sine position embedding + level_embed
    std::vector<LevelShape> shapes;  // (h, w) of the 4 levels (strides 8, 16, 32, 64)
};

// Result of one decode (one set of language tokens). Query tensors hold the foreground queries
// only (the background queries are dropped), indexed like HipieCandidate::query.
struct HipieDecodeOutput {
    at::Tensor logits;          // [K, T] VL_Align logits of the last decoder layer
    at::Tensor boxes;           // [K, 4] normalised (cx, cy, w, h)
    at::Tensor ious;            // [K] raw IoU-head outputs
    at::Tensor query_features;  // [K, d] last decoder layer output
    at::Tensor mask_reference;  // [K, 2] normalised (cx, cy): input reference of the last layer
    at::Tensor mask_features;   // [1, d/32, side/8, side/8] MaskHeadSmallConv output
    at::Tensor memory;          // [1, S, d] encoder output
    at::Tensor lang;            // [1, T, lang_dim] language tokens after VL fusion
    HipieSelection selection;   // ranked candidates and the chosen target
};

// Training outputs of one decode (deep supervision): per decoder layer, the foreground
// queries' logits, boxes, IoU-head outputs, features and mask reference points (the input the
// mask head needs with the shared mask_features), plus the two-stage proposals. All keep their
// autograd history.
struct HipieLayerOutputs {
    at::Tensor logits;          // [K, T]
    at::Tensor boxes;           // [K, 4] normalised (cx, cy, w, h)
    at::Tensor ious;            // [K]
    at::Tensor query_features;  // [K, d]
    at::Tensor mask_reference;  // [K, 2] normalised (cx, cy): the layer's input reference
};
struct HipieTrainOutput {
    std::vector<HipieLayerOutputs> layers;  // decoder layers in order (the last = decode()'s)
    at::Tensor proposal_logits;             // [num_proposals] Still_Classifier logits
    at::Tensor proposal_boxes;              // [num_proposals, 4] normalised (cx, cy, w, h)
    at::Tensor mask_features;               // [1, d/32, side/8, side/8]
};

// The detector (`hipie.detr.detr`): backbone, input_proj, transformer and the per-layer heads.
class DeformableDetrImpl : public torch::nn::Module {
public:
    explicit DeformableDetrImpl(const HipieConfig& c);

    torch::nn::ModuleList backbone{nullptr};  // [0] holds `backbone` (the ResNet)
    torch::nn::ModuleList input_proj{nullptr};
    DeformableTransformer transformer{nullptr};
    torch::nn::ModuleList class_embed{nullptr};  // VL_Align x dec_layers, Still_Classifier
    torch::nn::ModuleList bbox_embed{nullptr};   // Mlp x (dec_layers + 1)
    torch::nn::ModuleList iou_head{nullptr};     // Linear x dec_layers

    ResNet resnet{nullptr};
    std::vector<torch::nn::Sequential> projections;
    std::vector<VlAlign> classifiers;
    StillClassifier proposal_scorer{nullptr};
    std::vector<Mlp> boxes;
    std::vector<torch::nn::Linear> ious;
};
TORCH_MODULE(DeformableDetr);

class HipieSegmentatorImpl : public torch::nn::Module {
public:
    // Throws segllm::Error for an inconsistent configuration.
    explicit HipieSegmentatorImpl(const HipieConfig& config);

    // pixels [1, 3, side, side] normalised (segllm-reference.md 6.2). Throws segllm::Error on
    // another shape.
    HipieImageFeatures encode_image(const at::Tensor& pixels);

    // lang_tokens [1, lang_tokens, lang_dim] (tokens 0..T/2-1 reference, T/2.. target).
    // Throws segllm::Error on a shape mismatch.
    HipieDecodeOutput decode(const HipieImageFeatures& features, const at::Tensor& lang_tokens);

    // The same forward as decode() without selection, keeping every decoder layer's outputs
    // and the proposals for the training losses. Throws as decode() does.
    HipieTrainOutput decode_for_training(const HipieImageFeatures& features,
                                         const at::Tensor& lang_tokens);

    // decode_for_training of N decodes in one batched forward: decode j reads the image
    // features *images[j] (encode_image's, of one image each) and language tokens
    // lang_tokens[j] ([N, lang_tokens, lang_dim]); element j of the result equals
    // decode_for_training(*images[j], lang_tokens[j:j+1]). Throws segllm::Error when the counts
    // or shapes disagree.
    std::vector<HipieTrainOutput> decode_for_training_batch(
        const std::vector<const HipieImageFeatures*>& images, const at::Tensor& lang_tokens);

    // Stride-4 mask logits [side/4, side/4] of a foreground query. Throws for a bad index.
    at::Tensor mask_logits(const HipieDecodeOutput& out, int64_t query);

    // Bool mask [side, side] of a foreground query in the padded frame: the stride-4 logits
    // upsampled bilinearly (align_corners false), sigmoid > mask_threshold.
    at::Tensor candidate_mask(const HipieDecodeOutput& out, int64_t query);
    // The float logits [side, side] that candidate_mask thresholds (sigmoid > mask_threshold).
    at::Tensor candidate_logits(const HipieDecodeOutput& out, int64_t query);

    const HipieConfig& config() const { return config_; }

    DeformableDetr detr{nullptr};  // hipie.detr.detr
    Mlp controller{nullptr};       // hipie.detr.controller
    MaskHeadSmallConv mask_head{nullptr};
    FeatureResizer dn_resizer{nullptr};  // hipie.detr.resizer (training only)

private:
    HipieConfig config_;
    std::shared_ptr<torch::nn::Module> hipie_;
    std::shared_ptr<torch::nn::Module> outer_detr_;
};
TORCH_MODULE(HipieSegmentator);

}  // namespace segllm::hipie
