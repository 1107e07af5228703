#include "core/model/hipie/deformable_transformer.h"

#include "core/common/error.h"

#include <torch/nn/init.h>

#include <cmath>
#include <limits>
#include <string>

namespace segllm::hipie {

namespace {
torch::nn::LayerNorm layer_norm(int64_t d) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(1e-5));
}

// Encoder reference points: pixel centres (x, y) normalised per level, the same point for every
// level (valid ratios are 1). Returns [1, S, L, 2].
at::Tensor encoder_reference_points(const std::vector<LevelShape>& shapes,
                                    const at::TensorOptions& options) {
    std::vector<at::Tensor> per_level;
    for (const auto& s : shapes) {
        const at::Tensor ys = (at::arange(s.h, options) + 0.5) / static_cast<double>(s.h);
        const at::Tensor xs = (at::arange(s.w, options) + 0.5) / static_cast<double>(s.w);
        const at::Tensor gx = xs.view({1, s.w}).expand({s.h, s.w});
        const at::Tensor gy = ys.view({s.h, 1}).expand({s.h, s.w});
        per_level.push_back(at::stack({gx, gy}, -1).reshape({s.h * s.w, 2}));
    }
    const auto levels = static_cast<int64_t>(shapes.size());
    return at::cat(per_level, 0).view({1, -1, 1, 2}).expand({1, -1, levels, 2});
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// VL fusion

BiMultiHeadAttentionImpl::BiMultiHeadAttentionImpl(int64_t v_dim, int64_t l_dim, int64_t embed_dim,
                                                   int64_t heads)
    : embed_dim_(embed_dim), heads_(heads) {
    v_proj = register_module("v_proj", torch::nn::Linear(v_dim, embed_dim));
    l_proj = register_module("l_proj", torch::nn::Linear(l_dim, embed_dim));
    values_v_proj = register_module("values_v_proj", torch::nn::Linear(v_dim, embed_dim));
    values_l_proj = register_module("values_l_proj", torch::nn::Linear(l_dim, embed_dim));
    out_v_proj = register_module("out_v_proj", torch::nn::Linear(embed_dim, v_dim));
    out_l_proj = register_module("out_l_proj", torch::nn::Linear(embed_dim, l_dim));
    at::NoGradGuard no_grad;
    for (auto* lin : {&v_proj, &l_proj, &values_v_proj, &values_l_proj, &out_v_proj, &out_l_proj}) {
        torch::nn::init::xavier_uniform_((*lin)->weight);
        (*lin)->bias.zero_();
    }
}

std::pair<at::Tensor, at::Tensor> BiMultiHeadAttentionImpl::forward(const at::Tensor& v,
                                                                    const at::Tensor& l) {
    const int64_t n = v.size(0), s = v.size(1), t = l.size(1);
    const int64_t hd = embed_dim_ / heads_;
    const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    // [N, len, E] -> [N*H, len, hd]
    auto heads = [&](const at::Tensor& x, int64_t len) {
        return x.view({n, len, heads_, hd}).transpose(1, 2).reshape({n * heads_, len, hd});
    };
    const at::Tensor q = heads(v_proj(v) * scale, s);
    const at::Tensor k = heads(l_proj(l), t);
    const at::Tensor value_v = heads(values_v_proj(v), s);
    const at::Tensor value_l = heads(values_l_proj(l), t);

    const at::Tensor a = at::bmm(q, k.transpose(1, 2)).clamp(-50000.0, 50000.0);  // [NH, S, T]
    const at::Tensor at_ = a.transpose(1, 2);                                     // [NH, T, S]
    const at::Tensor a_l =
        (at_ - std::get<0>(at_.max(-1, true))).clamp(-50000.0, 50000.0).softmax(-1);
    // The language mask is all ones: GLIP's additive mask is then a constant shift.
    const at::Tensor a_v = a.softmax(-1);

    auto merge = [&](const at::Tensor& x, int64_t len) {
        return x.view({n, heads_, len, hd}).transpose(1, 2).reshape({n, len, embed_dim_});
    };
    const at::Tensor out_v = merge(at::bmm(a_v, value_l), s);
    const at::Tensor out_l = merge(at::bmm(a_l, value_v), t);
    return {out_v_proj(out_v), out_l_proj(out_l)};
}

BiAttentionBlockImpl::BiAttentionBlockImpl(int64_t v_dim, int64_t l_dim, int64_t embed_dim,
                                           int64_t heads, double gamma_init) {
    layer_norm_v = register_module("layer_norm_v", layer_norm(v_dim));
    layer_norm_l = register_module("layer_norm_l", layer_norm(l_dim));
    attn = register_module("attn", BiMultiHeadAttention(v_dim, l_dim, embed_dim, heads));
    gamma_v = register_parameter("gamma_v", at::full({v_dim}, gamma_init));
    gamma_l = register_parameter("gamma_l", at::full({l_dim}, gamma_init));
}

std::pair<at::Tensor, at::Tensor> BiAttentionBlockImpl::forward(const at::Tensor& v,
                                                                const at::Tensor& l) {
    const at::Tensor vn = layer_norm_v(v);
    const at::Tensor ln = layer_norm_l(l);
    auto [dv, dl] = attn(vn, ln);
    return {vn + gamma_v * dv, ln + gamma_l * dl};
}

// ---------------------------------------------------------------------------------------------
// Attention and layers

MultiheadSelfAttentionImpl::MultiheadSelfAttentionImpl(int64_t d_model, int64_t heads)
    : d_model_(d_model), heads_(heads) {
    in_proj_weight = register_parameter("in_proj_weight", at::empty({3 * d_model, d_model}));
    in_proj_bias = register_parameter("in_proj_bias", at::zeros({3 * d_model}));
    out_proj = register_module("out_proj", torch::nn::Linear(d_model, d_model));
    at::NoGradGuard no_grad;
    torch::nn::init::xavier_uniform_(in_proj_weight);
    out_proj->bias.zero_();
}

at::Tensor MultiheadSelfAttentionImpl::forward(const at::Tensor& query, const at::Tensor& key,
                                               const at::Tensor& value) {
    const int64_t n = query.size(0), len = query.size(1), hd = d_model_ / heads_;
    auto proj = [&](const at::Tensor& x, int64_t i) {
        const at::Tensor y = at::linear(x, in_proj_weight.narrow(0, i * d_model_, d_model_),
                                        in_proj_bias.narrow(0, i * d_model_, d_model_));
        return y.view({n, len, heads_, hd}).transpose(1, 2);  // [N, H, Q, hd]
    };
    const at::Tensor q = proj(query, 0) * (1.0 / std::sqrt(static_cast<double>(hd)));
    const at::Tensor k = proj(key, 1);
    const at::Tensor v = proj(value, 2);
    const at::Tensor attn = at::matmul(q, k.transpose(-1, -2)).softmax(-1);
    const at::Tensor out = at::matmul(attn, v).transpose(1, 2).reshape({n, len, d_model_});
    return out_proj(out);
}

EncoderLayerImpl::EncoderLayerImpl(const HipieConfig& c) {
    self_attn =
        register_module("self_attn", MSDeformAttn(c.d_model, c.n_levels, c.n_heads, c.n_points));
    norm1 = register_module("norm1", layer_norm(c.d_model));
    linear1 = register_module("linear1", torch::nn::Linear(c.d_model, c.ffn_dim));
    linear2 = register_module("linear2", torch::nn::Linear(c.ffn_dim, c.d_model));
    norm2 = register_module("norm2", layer_norm(c.d_model));
}

at::Tensor EncoderLayerImpl::forward(const at::Tensor& src, const at::Tensor& pos,
                                     const at::Tensor& reference_points,
                                     const std::vector<LevelShape>& shapes) {
    at::Tensor x = norm1(src + self_attn(src + pos, reference_points, src, shapes));
    return norm2(x + linear2(at::relu(linear1(x))));
}

DecoderLayerImpl::DecoderLayerImpl(const HipieConfig& c) {
    cross_attn =
        register_module("cross_attn", MSDeformAttn(c.d_model, c.n_levels, c.n_heads, c.n_points));
    norm1 = register_module("norm1", layer_norm(c.d_model));
    self_attn = register_module("self_attn", MultiheadSelfAttention(c.d_model, c.n_heads));
    norm2 = register_module("norm2", layer_norm(c.d_model));
    linear1 = register_module("linear1", torch::nn::Linear(c.d_model, c.ffn_dim));
    linear2 = register_module("linear2", torch::nn::Linear(c.ffn_dim, c.d_model));
    norm3 = register_module("norm3", layer_norm(c.d_model));
}

at::Tensor DecoderLayerImpl::forward(const at::Tensor& tgt, const at::Tensor& query_pos,
                                     const at::Tensor& reference_points, const at::Tensor& memory,
                                     const std::vector<LevelShape>& shapes) {
    const at::Tensor qk = tgt + query_pos;
    at::Tensor x = norm2(tgt + self_attn(qk, qk, tgt));
    x = norm1(x + cross_attn(x + query_pos, reference_points, memory, shapes));
    return norm3(x + linear2(at::relu(linear1(x))));
}

// ---------------------------------------------------------------------------------------------
// Transformer

DeformableTransformerImpl::DeformableTransformerImpl(const HipieConfig& c) : config_(c) {
    c.validate();
    level_embed = register_parameter("level_embed", at::empty({c.n_levels, c.d_model}));
    tgt_embed = register_module("tgt_embed", torch::nn::Embedding(c.num_proposals, c.d_model));
    if (c.num_bg_queries > 0) {
        tgt_embed_bg =
            register_module("tgt_embed_bg", torch::nn::Embedding(c.num_bg_queries, c.d_model));
        bg_query_refs = register_module("bg_query_refs", torch::nn::Embedding(c.num_bg_queries, 4));
    }
    enc_output = register_module("enc_output", torch::nn::Linear(c.d_model, c.d_model));
    enc_output_norm = register_module("enc_output_norm", layer_norm(c.d_model));
    resizer = register_module("resizer", FeatureResizer(c.lang_dim, c.d_model));

    encoder_ = register_module("encoder", std::make_shared<torch::nn::Module>());
    auto vl_layers = encoder_->register_module("vl_layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.num_vl_layers; ++i) {
        // VLFuse holds the block as `b_attn`.
        auto fuse = std::make_shared<torch::nn::Module>();
        vl_blocks_.push_back(fuse->register_module(
            "b_attn",
            BiAttentionBlock(c.d_model, c.lang_dim, c.vl_embed_dim, c.vl_heads, c.vl_gamma_init)));
        vl_layers->push_back(fuse);
    }
    auto enc_list = encoder_->register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.enc_layers; ++i) {
        enc_layers_.emplace_back(c);
        enc_list->push_back(enc_layers_.back());
    }

    decoder_ = register_module("decoder", std::make_shared<torch::nn::Module>());
    auto dec_list = decoder_->register_module("layers", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.dec_layers; ++i) {
        dec_layers_.emplace_back(c);
        dec_list->push_back(dec_layers_.back());
    }
    ref_point_head =
        decoder_->register_module("ref_point_head", Mlp(2 * c.d_model, c.d_model, c.d_model, 2));
    reset_parameters();
}

void DeformableTransformerImpl::reset_parameters() {
    at::NoGradGuard no_grad;
    // The original builds `resizer` after this initialisation: it keeps its default init.
    for (auto& p : named_parameters()) {
        if (p.value().dim() > 1 && p.key().rfind("resizer.", 0) != 0) {
            torch::nn::init::xavier_uniform_(p.value());
        }
    }
    for (auto& layer : enc_layers_) {
        layer->self_attn->reset_parameters();
    }
    for (auto& layer : dec_layers_) {
        layer->cross_attn->reset_parameters();
    }
    torch::nn::init::normal_(level_embed);
}

std::pair<at::Tensor, at::Tensor> DeformableTransformerImpl::encoder_proposals(
    const at::Tensor& memory, const std::vector<LevelShape>& shapes) {
    const auto opts = memory.options();
    std::vector<at::Tensor> per_level;
    for (size_t lvl = 0; lvl < shapes.size(); ++lvl) {
        const LevelShape& s = shapes[lvl];
        const at::Tensor ys = (at::arange(s.h, opts) + 0.5) / static_cast<double>(s.h);
        const at::Tensor xs = (at::arange(s.w, opts) + 0.5) / static_cast<double>(s.w);
        const at::Tensor gx = xs.view({1, s.w}).expand({s.h, s.w});
        const at::Tensor gy = ys.view({s.h, 1}).expand({s.h, s.w});
        const at::Tensor wh =
            at::full({s.h, s.w}, 0.05 * std::pow(2.0, static_cast<double>(lvl)), opts);
        per_level.push_back(at::stack({gx, gy, wh, wh}, -1).reshape({s.h * s.w, 4}));
    }
    at::Tensor proposals = at::cat(per_level, 0).unsqueeze(0);  // [1, S, 4]
    const at::Tensor valid = ((proposals > 0.01) & (proposals < 0.99)).all(-1, true);
    proposals = at::log(proposals / (1 - proposals))
                    .masked_fill(valid.logical_not(), std::numeric_limits<double>::infinity());
    const at::Tensor out = memory.masked_fill(valid.logical_not(), 0.0);
    return {enc_output_norm(enc_output(out)), proposals};
}

TransformerOutput DeformableTransformerImpl::forward(const at::Tensor& src, const at::Tensor& pos,
                                                     const std::vector<LevelShape>& shapes,
                                                     const at::Tensor& lang,
                                                     TransformerHeads heads) {
    const HipieConfig& c = config_;
    const int64_t s = total_tokens(shapes);
    if (src.dim() != 3 || src.size(0) < 1 || src.size(1) != s || src.size(2) != c.d_model ||
        !pos.sizes().equals(src.sizes())) {
        throw Error("HIPIE transformer: expected src and pos [N, " + std::to_string(s) + ", " +
                    std::to_string(c.d_model) + "]");
    }
    const int64_t n = src.size(0);
    if (lang.dim() != 3 || lang.size(0) != n || lang.size(2) != c.lang_dim) {
        throw Error("HIPIE transformer: expected language tokens [" + std::to_string(n) + ", T, " +
                    std::to_string(c.lang_dim) + "]");
    }
    if (static_cast<int64_t>(heads.bbox_embed.size()) != c.dec_layers + 1 ||
        !heads.proposal_scorer) {
        throw Error("HIPIE transformer: expected " + std::to_string(c.dec_layers + 1) +
                    " bbox_embed heads and a proposal scorer");
    }
    TransformerOutput out;

    // Encoder with early fusion before the first num_vl_layers layers.
    const at::Tensor enc_ref =
        encoder_reference_points(shapes, src.options()).expand({n, -1, -1, -1});
    at::Tensor v = src;
    at::Tensor l = lang;
    for (int64_t i = 0; i < c.enc_layers; ++i) {
        if (i < c.num_vl_layers) {
            std::tie(v, l) = vl_blocks_[static_cast<size_t>(i)](v, l);
        }
        v = enc_layers_[static_cast<size_t>(i)](v, pos, enc_ref, shapes);
    }
    out.memory = v;
    out.lang = l;

    // Two-stage proposals (language-agnostic score); the pooled-language query term is
    // multiplied by 0 in the original and is left out.
    auto [output_memory, proposals] = encoder_proposals(v, shapes);
    const at::Tensor scores = heads.proposal_scorer(output_memory).select(-1, 0);  // [1, S]
    const at::Tensor coords =
        heads.bbox_embed.back()(output_memory) + proposals;  // [1, S, 4] unsigmoided
    out.proposal_indices = std::get<1>(at::topk(scores, c.num_proposals, 1));
    const at::Tensor topk_coords =
        at::gather(coords, 1, out.proposal_indices.unsqueeze(-1).expand({n, c.num_proposals, 4}));
    at::Tensor reference = topk_coords.sigmoid();
    out.proposal_logits = at::gather(scores, 1, out.proposal_indices);
    out.proposal_boxes = reference;
    at::Tensor tgt = tgt_embed->weight.unsqueeze(0).expand({n, -1, -1});
    if (c.num_bg_queries > 0) {
        // Background refs are used as-is (already in box space, not sigmoided).
        tgt = at::cat({tgt_embed_bg->weight.unsqueeze(0).expand({n, -1, -1}), tgt}, 1);
        reference = at::cat({bg_query_refs->weight.unsqueeze(0).expand({n, -1, -1}), reference}, 1);
    }
    out.init_reference = reference;

    // Decoder with iterative refinement; look-forward-twice keeps the undetached refined box.
    at::Tensor x = tgt;
    for (int64_t i = 0; i < c.dec_layers; ++i) {
        const at::Tensor ref_input = reference.unsqueeze(2).expand({-1, -1, c.n_levels, -1});
        const at::Tensor query_pos = ref_point_head(box_sine_embedding(reference, c.sine_feats()));
        x = dec_layers_[static_cast<size_t>(i)](x, query_pos, ref_input, v, shapes);
        const at::Tensor refined =
            (heads.bbox_embed[static_cast<size_t>(i)](x) + inverse_sigmoid(reference)).sigmoid();
        out.hs.push_back(x);
        out.references.push_back(refined);
        reference = refined.detach();
    }
    return out;
}

}  // namespace segllm::hipie
