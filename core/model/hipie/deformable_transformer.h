#pragma once
// HIPIE's DeformableTransformerVLDINO for one image and one set of language tokens
// (segllm-reference.md 4.2 steps 2-6): early VL fusion before encoder layer 0, post-norm
// deformable encoder, two-stage proposals scored by the Still_Classifier, background queries,
// and a decoder with iterative box refinement (look-forward-twice). Module names follow the
// checkpoint (`transformer.encoder.vl_layers.0.b_attn...`, `transformer.decoder.layers.N...`).

#include "core/model/hipie/hipie_config.h"
#include "core/model/hipie/hipie_layers.h"
#include "core/model/hipie/ms_deform_attn.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace segllm::hipie {

// GLIP BiMultiHeadAttention: v_proj, l_proj, values_v_proj, values_l_proj, out_v_proj,
// out_l_proj. Returns (delta visual [N, S, d], delta language [N, T, lang_dim]).
class BiMultiHeadAttentionImpl : public torch::nn::Module {
public:
    BiMultiHeadAttentionImpl(int64_t v_dim, int64_t l_dim, int64_t embed_dim, int64_t heads);
    std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& v, const at::Tensor& l);

    torch::nn::Linear v_proj{nullptr}, l_proj{nullptr}, values_v_proj{nullptr},
        values_l_proj{nullptr}, out_v_proj{nullptr}, out_l_proj{nullptr};

private:
    int64_t embed_dim_;
    int64_t heads_;
};
TORCH_MODULE(BiMultiHeadAttention);

// BiAttentionBlockForCheckpoint: v = LN_v(v), l = LN_l(l); v += gamma_v * dv; l += gamma_l * dl.
class BiAttentionBlockImpl : public torch::nn::Module {
public:
    BiAttentionBlockImpl(int64_t v_dim, int64_t l_dim, int64_t embed_dim, int64_t heads,
                         double gamma_init);
    // visual [N, S, d], language [N, T, lang_dim] -> updated (visual, language).
    std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& v, const at::Tensor& l);

    torch::nn::LayerNorm layer_norm_v{nullptr}, layer_norm_l{nullptr};
    BiMultiHeadAttention attn{nullptr};
    at::Tensor gamma_v, gamma_l;
};
TORCH_MODULE(BiAttentionBlock);

// nn.MultiheadAttention (batch-first here) with in_proj_weight [3d, d], in_proj_bias [3d],
// out_proj; no mask, no dropout.
class MultiheadSelfAttentionImpl : public torch::nn::Module {
public:
    MultiheadSelfAttentionImpl(int64_t d_model, int64_t heads);
    // query/key [N, Q, d] (with position), value [N, Q, d] -> [N, Q, d].
    at::Tensor forward(const at::Tensor& query, const at::Tensor& key, const at::Tensor& value);

    at::Tensor in_proj_weight, in_proj_bias;
    torch::nn::Linear out_proj{nullptr};

private:
    int64_t d_model_;
    int64_t heads_;
};
TORCH_MODULE(MultiheadSelfAttention);

// Post-norm encoder layer: self_attn (MSDeformAttn) -> add -> norm1 -> FFN -> add -> norm2.
class EncoderLayerImpl : public torch::nn::Module {
public:
    explicit EncoderLayerImpl(const HipieConfig& c);
    at::Tensor forward(const at::Tensor& src, const at::Tensor& pos,
                       const at::Tensor& reference_points, const std::vector<LevelShape>& shapes);

    MSDeformAttn self_attn{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
    torch::nn::Linear linear1{nullptr}, linear2{nullptr};
};
TORCH_MODULE(EncoderLayer);

// Decoder layer: self_attn -> add -> norm2; cross_attn (MSDeformAttn) -> add -> norm1;
// FFN -> add -> norm3 (the original's norm numbering).
class DecoderLayerImpl : public torch::nn::Module {
public:
    explicit DecoderLayerImpl(const HipieConfig& c);
    at::Tensor forward(const at::Tensor& tgt, const at::Tensor& query_pos,
                       const at::Tensor& reference_points, const at::Tensor& memory,
                       const std::vector<LevelShape>& shapes);

    MSDeformAttn cross_attn{nullptr};
    MultiheadSelfAttention self_attn{nullptr};
    torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
    torch::nn::Linear linear1{nullptr}, linear2{nullptr};
};
TORCH_MODULE(DecoderLayer);

// What the transformer produces for one image and one set of language tokens.
struct TransformerOutput {
    // N = the batch (1 at inference; the trainer decodes all <seg> of a batch at once).
    at::Tensor memory;                   // [N, S, d] encoder output
    at::Tensor lang;                     // [N, T, lang_dim] language after VL fusion
    at::Tensor init_reference;           // [N, Qall, 4] decoder input boxes (cx, cy, w, h)
    std::vector<at::Tensor> hs;          // per decoder layer [N, Qall, d]
    std::vector<at::Tensor> references;  // per layer the refined boxes [N, Qall, 4]
    at::Tensor proposal_indices;         // [N, num_proposals] chosen encoder tokens
    // For training (the two-stage proposal loss): the Still_Classifier logits [N, num_proposals]
    // and the sigmoided boxes [N, num_proposals, 4] (cx, cy, w, h) of the chosen proposals.
    at::Tensor proposal_logits;
    at::Tensor proposal_boxes;
};

// The heads the transformer borrows from the detector (checkpoint aliases
// `transformer.decoder.{class_embed,bbox_embed}`): bbox_embed[0..dec_layers] and the
// Still_Classifier used for proposals.
struct TransformerHeads {
    std::vector<Mlp> bbox_embed;
    StillClassifier proposal_scorer{nullptr};
};

class DeformableTransformerImpl : public torch::nn::Module {
public:
    explicit DeformableTransformerImpl(const HipieConfig& c);

    // src/pos [N, S, d] (pos includes level_embed), lang [N, T, lang_dim]; every sample of
    // the batch is decoded independently.
    // Throws segllm::Error on shape mismatches.
    TransformerOutput forward(const at::Tensor& src, const at::Tensor& pos,
                              const std::vector<LevelShape>& shapes, const at::Tensor& lang,
                              TransformerHeads heads);

    // Xavier-uniform on every matrix (resizer excepted), then MSDeformAttn's own initialisation,
    // normal level_embed (the original's _reset_parameters).
    void reset_parameters();

    at::Tensor level_embed;
    torch::nn::Embedding tgt_embed{nullptr}, tgt_embed_bg{nullptr}, bg_query_refs{nullptr};
    torch::nn::Linear enc_output{nullptr};
    torch::nn::LayerNorm enc_output_norm{nullptr};
    FeatureResizer resizer{nullptr};
    Mlp ref_point_head{nullptr};

private:
    // Memory after enc_output + LN and unsigmoided anchors [1, S, 4] (+inf where invalid).
    std::pair<at::Tensor, at::Tensor> encoder_proposals(const at::Tensor& memory,
                                                        const std::vector<LevelShape>& shapes);

    HipieConfig config_;
    std::shared_ptr<torch::nn::Module> encoder_, decoder_;
    std::vector<BiAttentionBlock> vl_blocks_;
    std::vector<EncoderLayer> enc_layers_;
    std::vector<DecoderLayer> dec_layers_;
};
TORCH_MODULE(DeformableTransformer);

}  // namespace segllm::hipie
