#include "core/model/hipie/hipie_config.h"

#include "core/common/error.h"

#include <numeric>
#include <string>

namespace segllm::hipie {

HipieConfig HipieConfig::official() {
    return HipieConfig{};
}

HipieConfig HipieConfig::tiny() {
    HipieConfig c;
    c.backbone.stem_channels = 16;
    c.backbone.stem_kernel = 3;
    c.backbone.blocks = {1, 1, 1, 1};
    c.backbone.out_channels = {32, 64, 128, 256};
    c.backbone.bottleneck_channels = {8, 16, 32, 64};
    c.d_model = 64;
    c.n_heads = 4;
    c.ffn_dim = 256;
    c.n_levels = 4;
    c.n_points = 2;
    c.enc_layers = 2;
    c.dec_layers = 2;
    c.gn_groups = 32;
    c.num_proposals = 16;
    c.num_bg_queries = 2;
    c.lang_dim = 64;
    c.lang_tokens = 8;
    c.num_vl_layers = 1;
    c.vl_embed_dim = 128;
    c.vl_heads = 4;
    c.vl_gamma_init = 0.5;
    c.input_side = 128;
    return c;
}

int64_t HipieConfig::mask_in_channels() const {
    return d_model / 32;
}

std::vector<int64_t> HipieConfig::dynamic_weight_nums() const {
    std::vector<int64_t> w;
    for (int64_t l = 0; l < controller_layers; ++l) {
        if (l == 0) {
            w.push_back((mask_in_channels() + 2) * dynamic_mask_channels);
        } else if (l == controller_layers - 1) {
            w.push_back(dynamic_mask_channels);
        } else {
            w.push_back(dynamic_mask_channels * dynamic_mask_channels);
        }
    }
    return w;
}

std::vector<int64_t> HipieConfig::dynamic_bias_nums() const {
    std::vector<int64_t> b;
    for (int64_t l = 0; l < controller_layers; ++l) {
        b.push_back(l == controller_layers - 1 ? 1 : dynamic_mask_channels);
    }
    return b;
}

int64_t HipieConfig::controller_out_dim() const {
    const auto w = dynamic_weight_nums();
    const auto b = dynamic_bias_nums();
    return std::accumulate(w.begin(), w.end(), int64_t{0}) +
           std::accumulate(b.begin(), b.end(), int64_t{0});
}

int64_t HipieConfig::sine_feats() const {
    return d_model / 2;
}

namespace {
void require(bool ok, const std::string& what) {
    if (!ok) {
        throw Error("HipieConfig: " + what);
    }
}
}  // namespace

void HipieConfig::validate() const {
    require(d_model > 0 && d_model % 32 == 0,
            "d_model must be a positive multiple of 32, got " + std::to_string(d_model));
    require(n_heads > 0 && d_model % n_heads == 0,
            "n_heads must divide d_model, got " + std::to_string(n_heads));
    require(gn_groups > 0 && d_model % gn_groups == 0,
            "gn_groups must divide d_model, got " + std::to_string(gn_groups));
    require(n_levels == 4,
            "n_levels must be 4 (res3, res4, res5, extra), got " + std::to_string(n_levels));
    require(n_points > 0, "n_points must be positive");
    require(enc_layers > 0 && dec_layers > 0, "enc_layers and dec_layers must be positive");
    require(num_vl_layers >= 0 && num_vl_layers <= enc_layers,
            "num_vl_layers must be within [0, enc_layers]");
    require(num_proposals > 0 && num_bg_queries >= 0, "num_proposals must be positive");
    require(lang_tokens >= 2 && lang_tokens % 2 == 0,
            "lang_tokens must be even (reference half + target half), got " +
                std::to_string(lang_tokens));
    require(lang_dim > 0, "lang_dim must be positive");
    require(vl_heads > 0 && vl_embed_dim % vl_heads == 0, "vl_heads must divide vl_embed_dim");
    require(controller_layers >= 2, "controller_layers must be at least 2");
    require(mask_feat_stride % mask_out_stride == 0,
            "mask_out_stride must divide mask_feat_stride");
    require(input_side > 0 && input_side % 64 == 0,
            "input_side must be a positive multiple of 64, got " + std::to_string(input_side));
    require(max_detections > 0, "max_detections must be positive");
    require(mask_threshold > 0 && mask_threshold < 1,
            "mask_threshold must be in (0, 1), got " + std::to_string(mask_threshold));
    for (int i = 0; i < 4; ++i) {
        require(backbone.blocks[i] > 0, "backbone.blocks must be positive");
        require(backbone.out_channels[i] > 0 && backbone.bottleneck_channels[i] > 0,
                "backbone channels must be positive");
    }
    require(backbone.stem_kernel == 7 || backbone.stem_kernel == 3,
            "backbone.stem_kernel must be 7 or 3");
    const int64_t side8 = input_side / 8;
    const int64_t tokens = side8 * side8 + (side8 / 2) * (side8 / 2) + (side8 / 4) * (side8 / 4) +
                           (side8 / 8) * (side8 / 8);
    require(num_proposals <= tokens, "num_proposals exceeds the number of encoder tokens");
}

}  // namespace segllm::hipie
