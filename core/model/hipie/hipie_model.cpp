#include "core/model/hipie/hipie_model.h"

#include "core/common/error.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/normalization.h>

#include <algorithm>
#include <cmath>
#include <string>

namespace segllm::hipie {

namespace {
torch::nn::Sequential projection(int64_t in, int64_t d, int64_t kernel, int64_t stride,
                                 int64_t groups) {
    torch::nn::Conv2d conv(
        torch::nn::Conv2dOptions(in, d, kernel).stride(stride).padding(kernel / 2));
    at::NoGradGuard no_grad;
    torch::nn::init::xavier_uniform_(conv->weight);
    conv->bias.zero_();
    return torch::nn::Sequential(conv,
                                 torch::nn::GroupNorm(torch::nn::GroupNormOptions(groups, d)));
}

double prior_bias(double p) {
    return -std::log((1.0 - p) / p);
}
}  // namespace

DeformableDetrImpl::DeformableDetrImpl(const HipieConfig& c) {
    c.validate();
    backbone = register_module("backbone", torch::nn::ModuleList());
    auto masked = std::make_shared<torch::nn::Module>();
    resnet = masked->register_module("backbone", ResNet(c.backbone));
    backbone->push_back(masked);

    input_proj = register_module("input_proj", torch::nn::ModuleList());
    const auto channels = resnet->out_channels();
    for (int64_t l = 0; l < c.n_levels; ++l) {
        const bool extra = l >= static_cast<int64_t>(channels.size());
        const int64_t in = extra ? channels.back() : channels[static_cast<size_t>(l)];
        projections.push_back(projection(in, c.d_model, extra ? 3 : 1, extra ? 2 : 1, c.gn_groups));
        input_proj->push_back(projections.back());
    }

    transformer = register_module("transformer", DeformableTransformer(c));

    class_embed = register_module("class_embed", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.dec_layers; ++i) {
        classifiers.emplace_back(c.d_model, c.lang_dim, c.log_scale_init, prior_bias(c.prior_prob));
        class_embed->push_back(classifiers.back());
    }
    proposal_scorer = StillClassifier(c.d_model, prior_bias(c.prior_prob));
    class_embed->push_back(proposal_scorer);

    bbox_embed = register_module("bbox_embed", torch::nn::ModuleList());
    for (int64_t i = 0; i <= c.dec_layers; ++i) {
        boxes.emplace_back(c.d_model, c.d_model, 4, 3);
        at::NoGradGuard no_grad;
        boxes.back()->layer(2)->weight.zero_();
        boxes.back()->layer(2)->bias.zero_();
        bbox_embed->push_back(boxes.back());
    }

    iou_head = register_module("iou_head", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.dec_layers; ++i) {
        ious.emplace_back(c.d_model, 1);
        at::NoGradGuard no_grad;
        ious.back()->bias.fill_(prior_bias(c.prior_prob));
        iou_head->push_back(ious.back());
    }
}

HipieSegmentatorImpl::HipieSegmentatorImpl(const HipieConfig& config) : config_(config) {
    config_.validate();
    hipie_ = register_module("hipie", std::make_shared<torch::nn::Module>());
    outer_detr_ = hipie_->register_module("detr", std::make_shared<torch::nn::Module>());
    detr = outer_detr_->register_module("detr", DeformableDetr(config_));
    controller = outer_detr_->register_module(
        "controller", Mlp(config_.d_model, config_.d_model, config_.controller_out_dim(), 3));
    {
        at::NoGradGuard no_grad;
        for (size_t i = 0; i < 3; ++i) {
            torch::nn::init::xavier_uniform_(controller->layer(i)->weight);
            controller->layer(i)->bias.zero_();
        }
    }
    mask_head = outer_detr_->register_module("mask_head", MaskHeadSmallConv(config_.d_model));
    dn_resizer =
        outer_detr_->register_module("resizer", FeatureResizer(config_.lang_dim, config_.d_model));
}

HipieImageFeatures HipieSegmentatorImpl::encode_image(const at::Tensor& pixels) {
    const int64_t side = config_.input_side;
    if (pixels.dim() != 4 || pixels.size(0) != 1 || pixels.size(1) != 3 || pixels.size(2) != side ||
        pixels.size(3) != side) {
        throw Error("HIPIE encode_image: expected pixels [1, 3, " + std::to_string(side) + ", " +
                    std::to_string(side) + "], got a " + std::to_string(pixels.dim()) +
                    "-d tensor of " + std::to_string(pixels.numel()) + " values");
    }
    const ResNetFeatures feats = detr->resnet(pixels.to(at::kFloat));
    HipieImageFeatures out;
    std::vector<at::Tensor> srcs, poses;
    for (int64_t l = 0; l < config_.n_levels; ++l) {
        const bool extra = l >= static_cast<int64_t>(feats.levels.size());
        const at::Tensor& in = extra ? feats.levels.back() : feats.levels[static_cast<size_t>(l)];
        const at::Tensor src = detr->projections[static_cast<size_t>(l)]->forward(in);
        const int64_t h = src.size(2), w = src.size(3);
        out.shapes.push_back({h, w});
        const at::Tensor pos =
            sine_position_embedding(h, w, config_.d_model / 2, 10000.0, src.options());
        srcs.push_back(src.flatten(2).transpose(1, 2));
        poses.push_back(pos.flatten(2).transpose(1, 2) +
                        detr->transformer->level_embed[l].view({1, 1, -1}));
    }
    out.src = at::cat(srcs, 1).contiguous();
    out.pos = at::cat(poses, 1).contiguous();
    return out;
}

namespace {

// Checks the inputs of a decode and runs the transformer (encoder with VL fusion + decoder).
TransformerOutput run_transformer(DeformableDetrImpl& detr, const HipieConfig& c,
                                  const HipieImageFeatures& features, const at::Tensor& lang_tokens,
                                  const char* what) {
    if (!features.src.defined() || features.shapes.size() != static_cast<size_t>(c.n_levels)) {
        throw Error(std::string("HIPIE ") + what +
                    ": image features are empty or have the wrong number of levels");
    }
    const int64_t n = features.src.size(0);
    if (lang_tokens.dim() != 3 || lang_tokens.size(0) != n ||
        lang_tokens.size(1) != c.lang_tokens || lang_tokens.size(2) != c.lang_dim) {
        throw Error(std::string("HIPIE ") + what + ": expected language tokens [" +
                    std::to_string(n) + ", " + std::to_string(c.lang_tokens) + ", " +
                    std::to_string(c.lang_dim) + "]");
    }
    TransformerHeads heads{detr.boxes, detr.proposal_scorer};
    return detr.transformer(features.src, features.pos, features.shapes, lang_tokens.to(at::kFloat),
                            heads);
}

// Heads of decoder layer i on the foreground queries (the background queries are dropped), for
// every decode of the batch: tensors [N, K, ...].
HipieLayerOutputs layer_outputs(DeformableDetrImpl& detr, const HipieConfig& c,
                                const TransformerOutput& t, size_t i) {
    const int64_t bg = c.num_bg_queries, k = c.num_proposals;
    const at::Tensor& hs = t.hs[i];
    const at::Tensor ref_prev = i > 0 ? t.references[i - 1] : t.init_reference;
    HipieLayerOutputs layer;
    layer.logits = detr.classifiers[i](hs, t.lang).narrow(1, bg, k);
    layer.boxes = (detr.boxes[i](hs) + inverse_sigmoid(ref_prev)).sigmoid().narrow(1, bg, k);
    layer.ious = detr.ious[i](hs).select(-1, 0).narrow(1, bg, k);
    layer.query_features = hs.narrow(1, bg, k);
    layer.mask_reference = ref_prev.narrow(1, bg, k).narrow(2, 0, 2);
    return layer;
}

// Decode j of a batched layer's outputs.
HipieLayerOutputs sample_of(const HipieLayerOutputs& batch, int64_t j) {
    return {batch.logits[j], batch.boxes[j], batch.ious[j], batch.query_features[j],
            batch.mask_reference[j]};
}

// MaskHeadSmallConv on the first three memory levels reshaped back to maps ([N, C, h, w]).
at::Tensor mask_feature_maps(MaskHeadSmallConv& mask_head, const HipieConfig& c,
                             const HipieImageFeatures& features, const at::Tensor& memory) {
    std::vector<at::Tensor> maps;
    int64_t start = 0;
    const int64_t n = memory.size(0);
    for (size_t l = 0; l < 3; ++l) {
        const LevelShape& s = features.shapes[l];
        maps.push_back(
            memory.narrow(1, start, s.h * s.w).transpose(1, 2).reshape({n, c.d_model, s.h, s.w}));
        start += s.h * s.w;
    }
    return mask_head(maps);
}

}  // namespace

HipieDecodeOutput HipieSegmentatorImpl::decode(const HipieImageFeatures& features,
                                               const at::Tensor& lang_tokens) {
    const HipieConfig& c = config_;
    const TransformerOutput t = run_transformer(*detr, c, features, lang_tokens, "decode");
    HipieLayerOutputs last =
        sample_of(layer_outputs(*detr, c, t, static_cast<size_t>(c.dec_layers - 1)), 0);

    HipieDecodeOutput out;
    out.logits = last.logits;
    out.boxes = last.boxes;
    out.ious = last.ious;
    out.query_features = last.query_features;
    out.mask_reference = last.mask_reference;
    out.memory = t.memory;
    out.lang = t.lang;
    out.mask_features = mask_feature_maps(mask_head, c, features, t.memory);

    HipieSelectionOptions options;
    options.nms_iou = c.nms_iou;
    options.max_detections = c.max_detections;
    options.reference_class = 0;
    options.side = static_cast<double>(c.input_side);
    out.selection = select_target(out.logits, out.ious, out.boxes, options);
    return out;
}

HipieTrainOutput HipieSegmentatorImpl::decode_for_training(const HipieImageFeatures& features,
                                                           const at::Tensor& lang_tokens) {
    return decode_for_training_batch({&features}, lang_tokens).front();
}

std::vector<HipieTrainOutput> HipieSegmentatorImpl::decode_for_training_batch(
    const std::vector<const HipieImageFeatures*>& images, const at::Tensor& lang_tokens) {
    const HipieConfig& c = config_;
    if (images.empty() || lang_tokens.dim() != 3 ||
        lang_tokens.size(0) != static_cast<int64_t>(images.size())) {
        throw Error("HIPIE decode_for_training: " + std::to_string(images.size()) +
                    " image feature sets for a language batch of " +
                    std::to_string(lang_tokens.dim() == 3 ? lang_tokens.size(0) : 0));
    }
    // One [N, S, d] batch of the images' features (a single image's are used as they are).
    HipieImageFeatures batch;
    batch.shapes = images.front()->shapes;
    std::vector<at::Tensor> srcs, poses;
    for (const HipieImageFeatures* f : images) {
        if (f == nullptr || !f->src.defined() || f->src.size(0) != 1 ||
            f->shapes.size() != batch.shapes.size() ||
            !std::equal(f->shapes.begin(), f->shapes.end(), batch.shapes.begin(),
                        [](const LevelShape& a, const LevelShape& b) {
                            return a.h == b.h && a.w == b.w;
                        })) {
            throw Error(
                "HIPIE decode_for_training: image features must be encode_image's, of one "
                "image each and of the same size");
        }
        srcs.push_back(f->src);
        poses.push_back(f->pos);
    }
    batch.src = srcs.size() == 1 ? srcs.front() : at::cat(srcs, 0);
    batch.pos = poses.size() == 1 ? poses.front() : at::cat(poses, 0);
    const TransformerOutput t =
        run_transformer(*detr, c, batch, lang_tokens, "decode_for_training");
    std::vector<HipieLayerOutputs> layers;
    for (size_t i = 0; i < static_cast<size_t>(c.dec_layers); ++i) {
        layers.push_back(layer_outputs(*detr, c, t, i));
    }
    const at::Tensor mask_features = mask_feature_maps(mask_head, c, batch, t.memory);
    std::vector<HipieTrainOutput> out(images.size());
    for (size_t j = 0; j < images.size(); ++j) {
        const auto sj = static_cast<int64_t>(j);
        for (const HipieLayerOutputs& layer : layers) {
            out[j].layers.push_back(sample_of(layer, sj));
        }
        out[j].proposal_logits = t.proposal_logits[sj];
        out[j].proposal_boxes = t.proposal_boxes[sj];
        out[j].mask_features = mask_features.narrow(0, sj, 1);
    }
    return out;
}

at::Tensor HipieSegmentatorImpl::mask_logits(const HipieDecodeOutput& out, int64_t query) {
    if (!out.query_features.defined() || query < 0 || query >= out.query_features.size(0)) {
        throw Error("HIPIE mask: query index " + std::to_string(query) + " is out of range [0, " +
                    std::to_string(out.query_features.defined() ? out.query_features.size(0) : 0) +
                    ")");
    }
    const at::Tensor params = controller(out.query_features[query]);
    const at::Tensor center = out.mask_reference[query].to(at::kDouble).cpu();
    const double side = static_cast<double>(config_.input_side);
    const at::Tensor logits =
        dynamic_mask_logits(out.mask_features, params, center[0].item<double>() * side,
                            center[1].item<double>() * side, config_);
    return aligned_bilinear(logits, config_.mask_feat_stride / config_.mask_out_stride)[0][0];
}

at::Tensor HipieSegmentatorImpl::candidate_logits(const HipieDecodeOutput& out, int64_t query) {
    const int64_t side = config_.input_side;
    const at::Tensor logits =
        mask_logits(out, query)
            .view({1, 1, side / config_.mask_out_stride, side / config_.mask_out_stride});
    return at::upsample_bilinear2d(logits, {side, side}, false)[0][0];
}

at::Tensor HipieSegmentatorImpl::candidate_mask(const HipieDecodeOutput& out, int64_t query) {
    return candidate_logits(out, query).sigmoid() > config_.mask_threshold;
}

}  // namespace segllm::hipie
