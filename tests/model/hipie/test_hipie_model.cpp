// The whole HIPIE decoder: the parameter and buffer names of the tiny and the official
// configuration against a golden key list written here from segllm-reference.md 7.2, shapes of
// a few keys, the alias table, and the tiny model end to end on a random image (shapes, the
// selection rule re-derived from the outputs, a side x side mask, determinism, feature reuse).

// LibTorch before Qt: Qt's "slots" macro breaks ATen's IValue::slots().
#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "core/common/error.h"
#include "core/model/hipie/hipie_keys.h"
#include "core/model/hipie/hipie_model.h"

#include <QtTest>

#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace segllm::hipie;

namespace {

// Golden names relative to the module registered as `segmentator`, from the reference's key
// table (weights + FrozenBN buffers), for a structure with the given counts.
std::set<std::string> golden_names(const std::array<int64_t, 4>& blocks, int64_t enc_layers,
                                   int64_t dec_layers) {
    std::set<std::string> k;
    auto wb = [&](const std::string& p) {
        k.insert(p + ".weight");
        k.insert(p + ".bias");
    };
    auto conv = [&](const std::string& p) {
        k.insert(p + ".weight");
        for (const char* b : {"weight", "bias", "running_mean", "running_var"}) {
            k.insert(p + ".norm." + b);
        }
    };
    auto deform = [&](const std::string& p) {
        for (const char* m :
             {"sampling_offsets", "attention_weights", "value_proj", "output_proj"}) {
            wb(p + "." + m);
        }
    };
    const std::string d = "hipie.detr.detr.";
    const std::string bb = d + "backbone.0.backbone.";
    conv(bb + "stem.conv1");
    for (int s = 0; s < 4; ++s) {
        for (int64_t b = 0; b < blocks[static_cast<size_t>(s)]; ++b) {
            const std::string p =
                bb + "res" + std::to_string(s + 2) + "." + std::to_string(b) + ".";
            conv(p + "conv1");
            conv(p + "conv2");
            conv(p + "conv3");
            if (b == 0) {
                conv(p + "shortcut");
            }
        }
    }
    for (int l = 0; l < 4; ++l) {
        wb(d + "input_proj." + std::to_string(l) + ".0");
        wb(d + "input_proj." + std::to_string(l) + ".1");
    }
    const std::string t = d + "transformer.";
    k.insert(t + "level_embed");
    k.insert(t + "tgt_embed.weight");
    k.insert(t + "tgt_embed_bg.weight");
    k.insert(t + "bg_query_refs.weight");
    wb(t + "enc_output");
    wb(t + "enc_output_norm");
    wb(t + "resizer.fc");
    wb(t + "resizer.layer_norm");
    const std::string vl = t + "encoder.vl_layers.0.b_attn.";
    wb(vl + "layer_norm_v");
    wb(vl + "layer_norm_l");
    k.insert(vl + "gamma_v");
    k.insert(vl + "gamma_l");
    for (const char* m :
         {"v_proj", "l_proj", "values_v_proj", "values_l_proj", "out_v_proj", "out_l_proj"}) {
        wb(vl + "attn." + m);
    }
    for (int64_t i = 0; i < enc_layers; ++i) {
        const std::string p = t + "encoder.layers." + std::to_string(i) + ".";
        deform(p + "self_attn");
        for (const char* m : {"norm1", "linear1", "linear2", "norm2"}) {
            wb(p + m);
        }
    }
    for (int64_t i = 0; i < dec_layers; ++i) {
        const std::string p = t + "decoder.layers." + std::to_string(i) + ".";
        deform(p + "cross_attn");
        k.insert(p + "self_attn.in_proj_weight");
        k.insert(p + "self_attn.in_proj_bias");
        wb(p + "self_attn.out_proj");
        for (const char* m : {"norm1", "norm2", "norm3", "linear1", "linear2"}) {
            wb(p + m);
        }
    }
    wb(t + "decoder.ref_point_head.layers.0");
    wb(t + "decoder.ref_point_head.layers.1");
    for (int64_t i = 0; i < dec_layers; ++i) {
        const std::string p = d + "class_embed." + std::to_string(i) + ".";
        wb(p + "dot_product_projection_text");
        k.insert(p + "log_scale");
        k.insert(p + "bias_lang");
        k.insert(p + "bias0");
        wb(d + "iou_head." + std::to_string(i));
    }
    wb(d + "class_embed." + std::to_string(dec_layers) + ".body");
    for (int64_t i = 0; i <= dec_layers; ++i) {
        for (int j = 0; j < 3; ++j) {
            wb(d + "bbox_embed." + std::to_string(i) + ".layers." + std::to_string(j));
        }
    }
    for (int j = 0; j < 3; ++j) {
        wb("hipie.detr.controller.layers." + std::to_string(j));
    }
    for (const char* m : {"lay1", "lay2", "lay3", "lay4", "jia_dcn"}) {
        wb(std::string("hipie.detr.mask_head.") + m);
    }
    wb("hipie.detr.resizer.fc");
    wb("hipie.detr.resizer.layer_norm");
    return k;
}

std::map<std::string, std::vector<int64_t>> module_tensors(torch::nn::Module& m) {
    std::map<std::string, std::vector<int64_t>> out;
    for (const auto& p : m.named_parameters()) {
        out[p.key()] = p.value().sizes().vec();
    }
    for (const auto& b : m.named_buffers()) {
        out[b.key()] = b.value().sizes().vec();
    }
    return out;
}

QString name_diff(const std::set<std::string>& want,
                  const std::map<std::string, std::vector<int64_t>>& got) {
    QStringList missing, extra;
    for (const auto& n : want) {
        if (!got.count(n))
            missing << QString::fromStdString(n);
    }
    for (const auto& [n, s] : got) {
        if (!want.count(n))
            extra << QString::fromStdString(n);
    }
    return "missing: " + missing.mid(0, 8).join(", ") + " | extra: " + extra.mid(0, 8).join(", ");
}

double sigmoid(double x) {
    return 1.0 / (1.0 + std::exp(-x));
}

}  // namespace

class TestHipieNames : public QObject {
    Q_OBJECT

private slots:
    void tinyNamesAndShapes() {
        const HipieConfig c = HipieConfig::tiny();
        HipieSegmentator m(c);
        const auto got = module_tensors(*m);
        const auto want = golden_names(c.backbone.blocks, c.enc_layers, c.dec_layers);
        QVERIFY2(got.size() == want.size(), qPrintable(name_diff(want, got)));
        for (const auto& n : want) {
            QVERIFY2(got.count(n), qPrintable(QString::fromStdString(n)));
        }
        const std::string d = "hipie.detr.detr.";
        QCOMPARE(got.at(d + "backbone.0.backbone.stem.conv1.weight"),
                 (std::vector<int64_t>{16, 3, 3, 3}));
        QCOMPARE(got.at("hipie.detr.controller.layers.2.weight"), (std::vector<int64_t>{121, 64}));
        QCOMPARE(got.at("hipie.detr.mask_head.lay2.weight"), (std::vector<int64_t>{2, 16, 3, 3}));
        QCOMPARE(got.at(d + "transformer.encoder.layers.1.self_attn.sampling_offsets.weight"),
                 (std::vector<int64_t>{4 * 4 * 2 * 2, 64}));
    }

    void officialNamesAndShapes() {
        const HipieConfig c = HipieConfig::official();
        HipieSegmentator m(c);
        const auto got = module_tensors(*m);
        const auto want = golden_names(c.backbone.blocks, c.enc_layers, c.dec_layers);
        QVERIFY2(got.size() == want.size(), qPrintable(name_diff(want, got)));
        for (const auto& n : want) {
            QVERIFY2(got.count(n), qPrintable(QString::fromStdString(n)));
        }
        const std::string d = "hipie.detr.detr.";
        const std::string t = d + "transformer.";
        const std::map<std::string, std::vector<int64_t>> shapes = {
            {d + "backbone.0.backbone.stem.conv1.weight", {64, 3, 7, 7}},
            {d + "backbone.0.backbone.res2.0.shortcut.weight", {256, 64, 1, 1}},
            {d + "backbone.0.backbone.res3.0.conv2.weight", {128, 128, 3, 3}},
            {d + "backbone.0.backbone.res5.2.conv3.weight", {2048, 512, 1, 1}},
            {d + "backbone.0.backbone.res5.2.conv3.norm.running_var", {2048}},
            {d + "input_proj.0.0.weight", {256, 512, 1, 1}},
            {d + "input_proj.3.0.weight", {256, 2048, 3, 3}},
            {d + "input_proj.3.1.weight", {256}},
            {t + "level_embed", {4, 256}},
            {t + "tgt_embed.weight", {100, 256}},
            {t + "tgt_embed_bg.weight", {10, 256}},
            {t + "bg_query_refs.weight", {10, 4}},
            {t + "resizer.fc.weight", {256, 768}},
            {t + "encoder.vl_layers.0.b_attn.gamma_l", {768}},
            {t + "encoder.vl_layers.0.b_attn.attn.v_proj.weight", {2048, 256}},
            {t + "encoder.vl_layers.0.b_attn.attn.l_proj.weight", {2048, 768}},
            {t + "encoder.vl_layers.0.b_attn.attn.out_l_proj.weight", {768, 2048}},
            {t + "encoder.layers.5.self_attn.sampling_offsets.weight", {256, 256}},
            {t + "encoder.layers.5.self_attn.attention_weights.weight", {128, 256}},
            {t + "encoder.layers.5.linear1.weight", {2048, 256}},
            {t + "decoder.layers.5.self_attn.in_proj_weight", {768, 256}},
            {t + "decoder.layers.5.self_attn.in_proj_bias", {768}},
            {t + "decoder.ref_point_head.layers.0.weight", {256, 512}},
            {d + "class_embed.0.dot_product_projection_text.weight", {256, 768}},
            {d + "class_embed.5.log_scale", {1}},
            {d + "class_embed.5.bias_lang", {768}},
            {d + "class_embed.6.body.weight", {1, 256}},
            {d + "bbox_embed.6.layers.2.weight", {4, 256}},
            {d + "iou_head.5.weight", {1, 256}},
            {"hipie.detr.controller.layers.2.weight", {169, 256}},
            {"hipie.detr.mask_head.lay1.weight", {64, 256, 3, 3}},
            {"hipie.detr.mask_head.lay2.weight", {8, 64, 3, 3}},
            {"hipie.detr.mask_head.jia_dcn.weight", {256, 256, 3, 3}},
            {"hipie.detr.resizer.fc.weight", {256, 768}},
        };
        for (const auto& [name, shape] : shapes) {
            QVERIFY2(got.count(name), qPrintable(QString::fromStdString(name)));
            QVERIFY2(got.at(name) == shape, qPrintable(QString::fromStdString(name)));
        }
        // FrozenBN statistics are buffers, not parameters.
        bool bn_is_param = false;
        for (const auto& p : m->named_parameters()) {
            bn_is_param |= p.key().find(".norm.running_mean") != std::string::npos;
        }
        QVERIFY(!bn_is_param);
    }

    void aliasTable() {
        QCOMPARE(QString::fromStdString(hipie_canonical_key(
                     "hipie.detr.detr.transformer.decoder.class_embed.3.bias0")),
                 QString("hipie.detr.detr.class_embed.3.bias0"));
        QCOMPARE(QString::fromStdString(hipie_canonical_key(
                     "hipie.detr.detr.transformer.decoder.bbox_embed.6.layers.2.weight")),
                 QString("hipie.detr.detr.bbox_embed.6.layers.2.weight"));
        QCOMPARE(QString::fromStdString(hipie_canonical_key("hipie.detr.controller.layers.0.bias")),
                 QString("hipie.detr.controller.layers.0.bias"));
        QCOMPARE(static_cast<int>(hipie_skipped_key_prefixes().size()), 2);
        // Every alias target exists in the module tree.
        HipieSegmentator m(HipieConfig::tiny());
        const auto got = module_tensors(*m);
        QVERIFY(got.count(
            hipie_canonical_key("hipie.detr.detr.transformer.decoder.class_embed.2.body.weight")));
        QVERIFY(got.count(hipie_canonical_key(
            "hipie.detr.detr.transformer.decoder.bbox_embed.0.layers.0.weight")));
    }
};

class TestHipieTransformer : public QObject {
    Q_OBJECT

private slots:
    void backboneStridesAndChannels() {
        at::manual_seed(2);
        ResNet official(HipieConfig::official().backbone);
        at::NoGradGuard no_grad;
        const ResNetFeatures f = official(at::randn({1, 3, 64, 64}));
        QCOMPARE(static_cast<int>(f.levels.size()), 3);
        QCOMPARE(f.levels[0].sizes().vec(), (std::vector<int64_t>{1, 512, 8, 8}));
        QCOMPARE(f.levels[1].sizes().vec(), (std::vector<int64_t>{1, 1024, 4, 4}));
        QCOMPARE(f.levels[2].sizes().vec(), (std::vector<int64_t>{1, 2048, 2, 2}));
        ResNet tiny(HipieConfig::tiny().backbone);
        const ResNetFeatures t = tiny(at::randn({1, 3, 128, 128}));
        QCOMPARE(t.levels[0].sizes().vec(), (std::vector<int64_t>{1, 64, 16, 16}));
        QCOMPARE(t.levels[2].sizes().vec(), (std::vector<int64_t>{1, 256, 4, 4}));
    }

    void proposalsAnchorsAndRefinement() {
        at::manual_seed(99);
        const HipieConfig c = HipieConfig::tiny();
        HipieSegmentator m(c);
        at::NoGradGuard no_grad;
        const HipieImageFeatures f = m->encode_image(at::randn({1, 3, 128, 128}));
        auto& detr = m->detr;
        TransformerHeads heads{detr->boxes, detr->proposal_scorer};
        const TransformerOutput t =
            detr->transformer(f.src, f.pos, f.shapes, at::randn({1, 8, 64}), heads);
        QCOMPARE(static_cast<int>(t.hs.size()), 2);
        QCOMPARE(t.init_reference.sizes().vec(), (std::vector<int64_t>{1, 18, 4}));
        // Background refs are the learned values as they are.
        QVERIFY(at::equal(t.init_reference[0].narrow(0, 0, 2),
                          detr->transformer->bg_query_refs->weight));
        // The freshly built bbox_embed heads output 0, so every foreground reference is the
        // anchor of its encoder token: centre of the cell, w = h = 0.05 * 2^level.
        const int64_t starts[4] = {0, 256, 320, 336}, sides[4] = {16, 8, 4, 2};
        const at::Tensor idx = t.proposal_indices[0];
        // The proposals are the tokens with the highest Still_Classifier scores.
        QCOMPARE(idx.size(0), int64_t{16});
        for (int64_t i = 0; i < 16; ++i) {
            const int64_t token = idx[i].item<int64_t>();
            int lvl = 3;
            while (token < starts[lvl])
                --lvl;
            const int64_t cell = token - starts[lvl], n = sides[lvl];
            const double cx = (static_cast<double>(cell % n) + 0.5) / static_cast<double>(n);
            const double cy = (static_cast<double>(cell / n) + 0.5) / static_cast<double>(n);
            const double wh = 0.05 * std::pow(2.0, lvl);
            const at::Tensor r = t.init_reference[0][2 + i].to(at::kDouble);
            QVERIFY(std::abs(r[0].item<double>() - cx) < 1e-5);
            QVERIFY(std::abs(r[1].item<double>() - cy) < 1e-5);
            QVERIFY(std::abs(r[2].item<double>() - wh) < 1e-5);
            QVERIFY(std::abs(r[3].item<double>() - wh) < 1e-5);
        }
        // Look-forward-twice: the decode's boxes are the last layer's refinement of the
        // references entering it.
        {
            at::NoGradGuard inner;
            for (auto& p : detr->bbox_embed->parameters()) {
                p.uniform_(-0.1, 0.1);
            }
        }
        const at::Tensor lang = at::randn({1, 8, 64});
        const TransformerOutput t2 = detr->transformer(f.src, f.pos, f.shapes, lang, heads);
        const HipieDecodeOutput out = m->decode(f, lang);
        QVERIFY(at::allclose(out.boxes, t2.references[1][0].narrow(0, 2, 16), 1e-6, 1e-6));
        QVERIFY(
            at::allclose(out.mask_reference, t2.references[0][0].narrow(0, 2, 16).narrow(1, 0, 2)));
        const at::Tensor manual =
            (detr->boxes[1](t2.hs[1]) + inverse_sigmoid(t2.references[0])).sigmoid();
        QVERIFY(at::allclose(manual, t2.references[1], 1e-6, 1e-6));
    }
};

class TestHipieEndToEnd : public QObject {
    Q_OBJECT

private slots:
    void tinyOnRandomImage() {
        at::manual_seed(1234);
        const HipieConfig c = HipieConfig::tiny();
        HipieSegmentator m(c);
        m->eval();
        at::NoGradGuard no_grad;
        const at::Tensor pixels = at::randn({1, 3, 128, 128});
        const at::Tensor lang = at::randn({1, 8, 64});

        const HipieImageFeatures f = m->encode_image(pixels);
        QCOMPARE(f.src.sizes().vec(), (std::vector<int64_t>{1, 340, 64}));
        QCOMPARE(f.pos.sizes().vec(), (std::vector<int64_t>{1, 340, 64}));
        QCOMPARE(static_cast<int>(f.shapes.size()), 4);
        const int64_t sides[4] = {16, 8, 4, 2};
        for (int l = 0; l < 4; ++l) {
            QCOMPARE(f.shapes[static_cast<size_t>(l)].h, sides[l]);
            QCOMPARE(f.shapes[static_cast<size_t>(l)].w, sides[l]);
        }

        const HipieDecodeOutput out = m->decode(f, lang);
        QCOMPARE(out.logits.sizes().vec(), (std::vector<int64_t>{16, 8}));
        QCOMPARE(out.boxes.sizes().vec(), (std::vector<int64_t>{16, 4}));
        QCOMPARE(out.ious.sizes().vec(), (std::vector<int64_t>{16}));
        QCOMPARE(out.query_features.sizes().vec(), (std::vector<int64_t>{16, 64}));
        QCOMPARE(out.mask_reference.sizes().vec(), (std::vector<int64_t>{16, 2}));
        QCOMPARE(out.mask_features.sizes().vec(), (std::vector<int64_t>{1, 2, 16, 16}));
        QCOMPARE(out.memory.sizes().vec(), (std::vector<int64_t>{1, 340, 64}));
        QCOMPARE(out.lang.sizes().vec(), (std::vector<int64_t>{1, 8, 64}));
        QVERIFY(at::isfinite(out.logits).all().item<bool>());
        QVERIFY(((out.boxes >= 0) & (out.boxes <= 1)).all().item<bool>());

        // Selection: every kept query appears twice, the chosen one is a target with the score
        // sqrt(sigmoid(mean logits[4:8]) * sigmoid(iou)), and no target entry ranks above it.
        const HipieSelection& s = out.selection;
        QCOMPARE(s.ranked.size(), 2 * s.kept.size());
        QCOMPARE(s.chosen.cls, int64_t{1});
        QVERIFY(s.chosen_rank >= 0);
        const int64_t q = s.chosen.query;
        double mean = 0.0;
        for (int64_t t = 4; t < 8; ++t) {
            mean += out.logits[q][t].item<double>() / 4.0;
        }
        const double want = std::sqrt(sigmoid(mean) * sigmoid(out.ious[q].item<double>()));
        QVERIFY2(std::abs(s.chosen.score - want) < 1e-5,
                 qPrintable(QString::number(s.chosen.score)));
        for (int64_t r = 0; r < s.chosen_rank; ++r) {
            QCOMPARE(s.ranked[static_cast<size_t>(r)].cls, int64_t{0});
        }
        const double cx = out.boxes[q][0].item<double>(), w = out.boxes[q][2].item<double>();
        QVERIFY(std::abs(s.chosen.box[0] - (cx - w / 2) * 128.0) < 1e-3);

        const at::Tensor logits4 = m->mask_logits(out, q);
        QCOMPARE(logits4.sizes().vec(), (std::vector<int64_t>{32, 32}));
        const at::Tensor mask = m->candidate_mask(out, q);
        QCOMPARE(mask.sizes().vec(), (std::vector<int64_t>{128, 128}));
        QCOMPARE(mask.scalar_type(), at::kBool);
        // Pixels whose 4x4 block has all-positive (all-negative) stride-4 logits are set (unset).
        const at::Tensor lg = logits4.contiguous();
        for (int64_t i = 1; i < 31; i += 6) {
            for (int64_t j = 1; j < 31; j += 5) {
                const at::Tensor nb = lg.slice(0, i - 1, i + 2).slice(1, j - 1, j + 2);
                if ((nb > 0).all().item<bool>()) {
                    QVERIFY(mask[4 * i + 2][4 * j + 2].item<bool>());
                } else if ((nb < 0).all().item<bool>()) {
                    QVERIFY(!mask[4 * i + 2][4 * j + 2].item<bool>());
                }
            }
        }
        QVERIFY_THROWS_EXCEPTION(segllm::Error, m->mask_logits(out, 16));

        // Deterministic: the same features and tokens give identical results.
        const HipieDecodeOutput again = m->decode(f, lang);
        QVERIFY(at::equal(again.logits, out.logits));
        QVERIFY(at::equal(again.boxes, out.boxes));
        QCOMPARE(again.selection.chosen.query, q);
        QVERIFY(at::equal(m->candidate_mask(again, q), mask));
        const HipieImageFeatures f2 = m->encode_image(pixels);
        QVERIFY(at::equal(f2.src, f.src));

        // Features are reused across <seg>s: other tokens change the logits.
        const HipieDecodeOutput other = m->decode(f, at::randn({1, 8, 64}));
        QVERIFY(!at::equal(other.logits, out.logits));

        QVERIFY_THROWS_EXCEPTION(segllm::Error, m->encode_image(at::randn({1, 3, 64, 64})));
        QVERIFY_THROWS_EXCEPTION(segllm::Error, m->decode(f, at::randn({1, 8, 32})));
    }
};

int main(int argc, char** argv) {
    int status = 0;
    {
        TestHipieNames t;
        status |= QTest::qExec(&t, argc, argv);
    }
    {
        TestHipieTransformer t;
        status |= QTest::qExec(&t, argc, argv);
    }
    {
        TestHipieEndToEnd t;
        status |= QTest::qExec(&t, argc, argv);
    }
    return status;
}

#include "test_hipie_model.moc"
