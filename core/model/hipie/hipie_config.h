#pragma once
// Hyper-parameters of the HIPIE mask decoder used by SegLLM (segllm-reference.md 1.3, 4.2, 10).
// Plain C++ (no LibTorch): the configuration is parsed once and passed by const reference.

#include <array>
#include <cstdint>
#include <vector>

namespace segllm::hipie {

// Detectron2-style ResNet: stem (`conv1` + FrozenBN + ReLU + 3x3/2 max-pool) then the stages
// res2..res5 of bottleneck blocks (1x1 -> 3x3 (carries the stride) -> 1x1, FrozenBN after each
// conv). res2 keeps the stem's stride 4, res3..res5 halve it (strides 8/16/32).
struct HipieBackboneConfig {
    int64_t stem_channels = 64;
    int64_t stem_kernel = 7;  // 7 (stride 2, padding 3) official; 3 (padding 1) tiny
    std::array<int64_t, 4> blocks{3, 4, 6, 3};                      // res2..res5
    std::array<int64_t, 4> out_channels{256, 512, 1024, 2048};      // res2..res5
    std::array<int64_t, 4> bottleneck_channels{64, 128, 256, 512};  // res2..res5
    double norm_eps = 1e-5;                                         // FrozenBatchNorm2d
};

struct HipieConfig {
    HipieBackboneConfig backbone;

    // Deformable transformer.
    int64_t d_model = 256;
    int64_t n_heads = 8;
    int64_t ffn_dim = 2048;
    int64_t n_levels = 4;  // res3, res4, res5 and one extra 3x3/2 conv on res5
    int64_t n_points = 4;  // sampling points per head and level (encoder and decoder)
    int64_t enc_layers = 6;
    int64_t dec_layers = 6;
    int64_t gn_groups = 32;  // GroupNorm of input_proj; must divide d_model

    // Queries.
    int64_t num_proposals = 100;  // two-stage top-K foreground queries
    int64_t num_bg_queries = 10;  // learnable background queries, prepended

    // Language side: the 8 "language tokens" coming from the SEG projector.
    int64_t lang_dim = 768;
    int64_t lang_tokens = 8;  // first half = reference class, second half = target class

    // Early vision-language fusion (BiAttentionBlockForCheckpoint) before encoder layer 0.
    int64_t num_vl_layers = 1;
    int64_t vl_embed_dim = 2048;
    int64_t vl_heads = 8;
    double vl_gamma_init = 1.0 / 6.0;

    // Heads.
    double prior_prob = 0.01;  // VL_Align bias0 and Still_Classifier bias init: -log((1-p)/p)
    double log_scale_init = 0.0;

    // CondInst mask branch.
    int64_t dynamic_mask_channels = 8;
    int64_t controller_layers = 3;  // number of dynamic 1x1 convs
    int64_t mask_feat_stride = 8;
    int64_t mask_out_stride = 4;
    double mask_threshold = 0.5;

    // Selection (reference 4.3).
    double nms_iou = 0.7;
    int64_t max_detections = 100;

    // Square input side in pixels (ResizeLongestSide + zero pad).
    int64_t input_side = 1024;

    // The official R50 configuration (reference 1.3).
    static HipieConfig official();
    // The tiny CPU configuration of reference section 10.
    static HipieConfig tiny();

    // Channels of the mask-head feature map: d_model / 32 (8 official, 2 tiny).
    int64_t mask_in_channels() const;
    // Weight counts of the dynamic convs: (C+2)*ch, ch*ch ..., ch*1 (80, 64, 8 official).
    std::vector<int64_t> dynamic_weight_nums() const;
    // Bias counts of the dynamic convs: ch, ..., 1 (8, 8, 1 official).
    std::vector<int64_t> dynamic_bias_nums() const;
    // Output width of the controller MLP: sum of weights and biases (169 official, 121 tiny).
    int64_t controller_out_dim() const;
    // Sine features per coordinate for the decoder's box embedding (d_model / 2).
    int64_t sine_feats() const;
    // Throws segllm::Error naming the first inconsistent field.
    void validate() const;
};

}  // namespace segllm::hipie
