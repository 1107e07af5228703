// The CLIP vision tower: quick-GELU, shapes, selection of HF hidden_states[-2], class token vs
// patch tokens, all against an independent float64 formulation written here.

#include "core/common/error.h"
#include "core/model/clip.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <cmath>
#include <vector>

using namespace segllm;
using namespace segllm::model;

namespace {

ClipVisionConfig small_clip() {
    ClipVisionConfig c;
    c.image_size = 16;
    c.patch_size = 4;  // 4 x 4 = 16 patches + class token
    c.hidden_size = 12;
    c.intermediate_size = 20;
    c.num_hidden_layers = 3;
    c.num_attention_heads = 3;
    c.layer_norm_eps = 1e-5;
    c.select_layer = -2;
    return c;
}

double max_abs_diff(const at::Tensor& a, const at::Tensor& b) {
    return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

at::Tensor layer_norm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b, double eps) {
    const at::Tensor mean = x.mean({-1}, true);
    const at::Tensor var = (x - mean).pow(2).mean({-1}, true);  // biased, as LayerNorm
    return (x - mean) / (var + eps).sqrt() * w + b;
}

at::Tensor affine(const at::Tensor& x, const torch::nn::Linear& l) {
    return at::matmul(x, l->weight.t()) + l->bias;
}

// One pre-norm CLIP block; attention per head with an explicit exp / sum softmax.
at::Tensor naive_layer(const at::Tensor& x, ClipEncoderLayer& layer, std::int64_t heads,
                       double eps) {
    const std::int64_t c = x.size(2);
    const std::int64_t d = c / heads;
    const at::Tensor h = layer_norm(x, layer->layer_norm1->weight, layer->layer_norm1->bias, eps);
    const at::Tensor q = affine(h, layer->self_attn->q_proj);
    const at::Tensor k = affine(h, layer->self_attn->k_proj);
    const at::Tensor v = affine(h, layer->self_attn->v_proj);
    std::vector<at::Tensor> per_head;
    for (std::int64_t hh = 0; hh < heads; ++hh) {
        const at::Tensor qh = q.narrow(-1, hh * d, d);
        const at::Tensor kh = k.narrow(-1, hh * d, d);
        const at::Tensor vh = v.narrow(-1, hh * d, d);
        at::Tensor scores = at::matmul(qh, kh.transpose(-1, -2)) / std::sqrt(double(d));
        scores = (scores - std::get<0>(scores.max(-1, true))).exp();
        per_head.push_back(at::matmul(scores / scores.sum({-1}, true), vh));
    }
    const at::Tensor attended = x + affine(at::cat(per_head, -1), layer->self_attn->out_proj);
    const at::Tensor h2 =
        layer_norm(attended, layer->layer_norm2->weight, layer->layer_norm2->bias, eps);
    const at::Tensor f = affine(h2, layer->mlp->fc1);
    const at::Tensor g = f / (1.0 + (-1.702 * f).exp());  // x * sigmoid(1.702 x)
    return attended + affine(g, layer->mlp->fc2);
}

// Patch embedding by reshaping into [B, patches, 3 * p * p] rows (no convolution), class token
// first, plus position embeddings, then pre_layrnorm.
at::Tensor naive_embeddings(const at::Tensor& pixels, ClipVisionTransformer& vm,
                            const ClipVisionConfig& c) {
    const std::int64_t b = pixels.size(0);
    const std::int64_t p = c.patch_size;
    const std::int64_t g = c.image_size / p;
    const at::Tensor rows = pixels.reshape({b, 3, g, p, g, p})
                                .permute({0, 2, 4, 1, 3, 5})
                                .reshape({b, g * g, 3 * p * p});
    const at::Tensor w = vm->embeddings->patch_embedding->weight.reshape({c.hidden_size, -1});
    const at::Tensor patches = at::matmul(rows, w.t());
    const at::Tensor cls = vm->embeddings->class_embedding.view({1, 1, -1}).expand({b, 1, -1});
    const at::Tensor e =
        at::cat({cls, patches}, 1) + vm->embeddings->position_embedding->weight.unsqueeze(0);
    return layer_norm(e, vm->pre_layrnorm->weight, vm->pre_layrnorm->bias, c.layer_norm_eps);
}

}  // namespace

class TestClip : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { at::manual_seed(3); }

    void quick_gelu_matches_formula() {
        const std::vector<double> xs = {-4.0, -1.0, -0.25, 0.0, 0.5, 2.0, 6.0};
        const at::Tensor x = at::tensor(xs, at::kDouble);
        const at::Tensor y = quick_gelu(x);
        for (std::size_t i = 0; i < xs.size(); ++i) {
            const double expected = xs[i] / (1.0 + std::exp(-1.702 * xs[i]));
            QVERIFY(std::abs(y[long(i)].item<double>() - expected) < 1e-12);
        }
    }

    void hidden_states_match_naive_layers() {
        at::NoGradGuard no_grad;
        const ClipVisionConfig c = small_clip();
        ClipVisionTower tower(c);
        tower->to(at::kDouble);
        // LayerNorm weights are ones / zeros by default: randomise them so they matter.
        for (auto& p : tower->named_parameters()) {
            if (p.key().find("norm") != std::string::npos ||
                p.key().find("class_embedding") != std::string::npos) {
                p.value().copy_(at::randn_like(p.value()));
            }
        }
        ClipVisionTransformer vm = tower->vision_model;
        const at::Tensor pixels = at::randn({2, 3, 16, 16}, at::kDouble);
        at::Tensor expected = naive_embeddings(pixels, vm, c);
        for (std::int64_t index = 0; index <= c.num_hidden_layers; ++index) {
            if (index > 0) {
                ClipEncoderLayer layer(vm->encoder->layers->ptr<ClipEncoderLayerImpl>(
                    static_cast<std::size_t>(index - 1)));
                expected = naive_layer(expected, layer, c.num_attention_heads, c.layer_norm_eps);
            }
            const at::Tensor got = vm->hidden_state(pixels, index);
            QCOMPARE(got.sizes().vec(), (std::vector<std::int64_t>{2, 17, 12}));
            QVERIFY2(max_abs_diff(got, expected) < 1e-10, qPrintable(QString::number(index)));
        }

        // The tower's output is hidden_states[-2] = after layer 2 of 3, split into class token
        // and patches.
        const ClipVisionOutput out = tower->forward(pixels);
        QCOMPARE(out.patches.sizes().vec(), (std::vector<std::int64_t>{2, 16, 12}));
        QCOMPARE(out.cls.sizes().vec(), (std::vector<std::int64_t>{2, 12}));
        const at::Tensor penultimate = vm->hidden_state(pixels, 2);
        QVERIFY(max_abs_diff(out.cls, penultimate.select(1, 0)) < 1e-12);
        QVERIFY(max_abs_diff(out.patches, penultimate.narrow(1, 1, 16)) < 1e-12);
        // ... and not the last layer's output
        QVERIFY(max_abs_diff(out.patches, vm->hidden_state(pixels, 3).narrow(1, 1, 16)) > 1e-3);
    }

    void selected_layer_follows_config_data() {
        QTest::addColumn<int>("select_layer");
        QTest::addColumn<int>("index");
        QTest::newRow("-1 = last") << -1 << 3;
        QTest::newRow("-4 = embeddings") << -4 << 0;
        QTest::newRow("1") << 1 << 1;
    }
    void selected_layer_follows_config() {
        QFETCH(int, select_layer);
        QFETCH(int, index);
        at::NoGradGuard no_grad;
        ClipVisionConfig c = small_clip();
        c.select_layer = select_layer;
        ClipVisionTower tower(c);
        const at::Tensor pixels = at::randn({1, 3, 16, 16});
        const ClipVisionOutput out = tower->forward(pixels);
        const at::Tensor h = tower->vision_model->hidden_state(pixels, index);
        QVERIFY(max_abs_diff(out.cls, h.select(1, 0)) < 1e-6);
    }

    void patches_depend_on_their_pixels() {
        // Changing one patch of the image changes its token at the embedding stage only there.
        at::NoGradGuard no_grad;
        const ClipVisionConfig c = small_clip();
        ClipVisionTower tower(c);
        const at::Tensor pixels = at::randn({1, 3, 16, 16});
        at::Tensor changed = pixels.clone();
        changed.narrow(2, 4, 4).narrow(3, 8, 4).add_(1.0);  // patch row 1, column 2 -> index 6
        ClipVisionTransformer vm = tower->vision_model;
        const at::Tensor a = vm->hidden_state(pixels, 0);
        const at::Tensor b = vm->hidden_state(changed, 0);
        const at::Tensor per_token = (a - b).abs().amax({0, 2});
        for (std::int64_t i = 0; i < 17; ++i) {
            QCOMPARE(per_token[i].item<double>() > 0.0, i == 7);  // +1 for the class token
        }
    }

    void errors() {
        at::NoGradGuard no_grad;
        ClipVisionTower tower(small_clip());
        QVERIFY_THROWS_EXCEPTION(Error, tower->forward(at::randn({1, 3, 15, 16})));
        QVERIFY_THROWS_EXCEPTION(Error, tower->forward(at::randn({3, 16, 16})));
        QVERIFY_THROWS_EXCEPTION(Error,
                                 tower->vision_model->hidden_state(at::randn({1, 3, 16, 16}), 4));
        ClipVisionConfig bad = small_clip();
        bad.select_layer = -5;
        QVERIFY_THROWS_EXCEPTION(Error, ClipVisionTower{bad});
    }
};

QTEST_APPLESS_MAIN(TestClip)
#include "test_clip.moc"
