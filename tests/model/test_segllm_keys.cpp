// The full key list of SegllmModel against the official checkpoint names (segllm-reference.md
// 7.2): the LLM / CLIP / projector keys written out here for the tiny preset, the HIPIE keys
// joined under "model.segmentator.", hand-written spot checks of full HIPIE names, the official
// structure (32 LLM layers, 24 CLIP layers, R50 blocks 3-4-6-3, 6+6 HIPIE layers) at small widths,
// the skip list and alias mapping of the loader, and the per-component parameter counts.

#include "core/model/segllm.h"
#include "core/model/weight_loading.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <map>
#include <string>
#include <vector>

using namespace segllm::model;
using segllm::hipie::HipieConfig;
using segllm::hipie::HipieSegmentator;

namespace {

using Shape = std::vector<std::int64_t>;

LoadOptions cpu_options() {
    LoadOptions o;
    o.device = "cpu";
    o.dtype = "f32";
    o.require_tokenizer = false;
    return o;
}

std::map<std::string, Shape> shapes_of(const torch::nn::Module& module) {
    std::map<std::string, Shape> out;
    for (const auto& [key, tensor] : module_tensors(module)) {
        out[key] = tensor.sizes().vec();
    }
    return out;
}

// LLM + CLIP + projector keys of the official tree for `c`, written from reference 7.2.
std::map<std::string, Shape> llava_keys(const SegllmConfig& c) {
    const std::int64_t h = c.llm.hidden_size, v = c.llm.vocab_size, m = c.llm.intermediate_size;
    const std::int64_t kv = c.llm.num_key_value_heads * c.llm.head_dim();
    const std::int64_t w = c.vision.hidden_size, wm = c.vision.intermediate_size;
    const std::int64_t p = c.vision.patch_size;
    const std::string vm = "model.vision_tower.vision_tower.vision_model.";
    std::map<std::string, Shape> keys = {
        {"model.embed_tokens.weight", {v, h}},
        {"model.norm.weight", {h}},
        {"lm_head.weight", {v, h}},
        {vm + "embeddings.class_embedding", {w}},
        {vm + "embeddings.patch_embedding.weight", {w, 3, p, p}},
        {vm + "embeddings.position_embedding.weight", {c.vision.num_positions(), w}},
        {vm + "pre_layrnorm.weight", {w}},
        {vm + "pre_layrnorm.bias", {w}},
        {"model.mm_projector.0.weight", {h, w}},
        {"model.mm_projector.0.bias", {h}},
        {"model.mm_projector.2.weight", {h, h}},
        {"model.mm_projector.2.bias", {h}},
        {"model.mask_enc_head.weight", {h, 4}},
        {"model.mask_enc_head.bias", {h}},
        {"model.segmentator_predictor.0.weight", {h, h}},
        {"model.segmentator_predictor.0.bias", {h}},
        {"model.segmentator_predictor.2.weight", {c.projector.seg_output_size(), h}},
        {"model.segmentator_predictor.2.bias", {c.projector.seg_output_size()}},
    };
    for (std::int64_t i = 0; i < c.llm.num_hidden_layers; ++i) {
        const std::string l = "model.layers." + std::to_string(i) + ".";
        keys[l + "self_attn.q_proj.weight"] = {h, h};
        keys[l + "self_attn.k_proj.weight"] = {kv, h};
        keys[l + "self_attn.v_proj.weight"] = {kv, h};
        keys[l + "self_attn.o_proj.weight"] = {h, h};
        keys[l + "mlp.gate_proj.weight"] = {m, h};
        keys[l + "mlp.up_proj.weight"] = {m, h};
        keys[l + "mlp.down_proj.weight"] = {h, m};
        keys[l + "input_layernorm.weight"] = {h};
        keys[l + "post_attention_layernorm.weight"] = {h};
    }
    for (std::int64_t i = 0; i < c.vision.num_hidden_layers; ++i) {
        const std::string l = vm + "encoder.layers." + std::to_string(i) + ".";
        for (const std::string proj : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
            keys[l + "self_attn." + proj + ".weight"] = {w, w};
            keys[l + "self_attn." + proj + ".bias"] = {w};
        }
        for (const std::string norm : {"layer_norm1", "layer_norm2"}) {
            keys[l + norm + ".weight"] = {w};
            keys[l + norm + ".bias"] = {w};
        }
        keys[l + "mlp.fc1.weight"] = {wm, w};
        keys[l + "mlp.fc1.bias"] = {wm};
        keys[l + "mlp.fc2.weight"] = {w, wm};
        keys[l + "mlp.fc2.bias"] = {w};
    }
    return keys;
}

// Official layer counts everywhere, small widths (names do not depend on widths).
SegllmConfig official_structure() {
    SegllmConfig c = segllm_preset("segllm-7b");
    c.llm.vocab_size = 40;
    c.llm.hidden_size = 16;
    c.llm.intermediate_size = 24;
    c.llm.num_attention_heads = 2;
    c.llm.num_key_value_heads = 2;
    c.vision.image_size = 28;
    c.vision.hidden_size = 8;
    c.vision.intermediate_size = 12;
    c.vision.num_attention_heads = 2;
    c.projector.mm_hidden_size = 8;
    c.projector.hidden_size = 16;
    c.projector.seg_token_dim = 8;
    HipieConfig& hp = c.hipie;  // official(): blocks 3-4-6-3, 6 encoder and 6 decoder layers
    hp.backbone.stem_channels = 8;
    hp.backbone.out_channels = {16, 32, 64, 128};
    hp.backbone.bottleneck_channels = {4, 8, 16, 32};
    hp.d_model = 32;
    hp.ffn_dim = 32;
    hp.vl_embed_dim = 32;
    hp.lang_dim = 8;
    hp.input_side = 128;
    return c;
}

}  // namespace

class TestSegllmKeys : public QObject {
    Q_OBJECT

private slots:
    void tiny_model_keys_are_official_names() {
        const SegllmConfig c = segllm_preset("segllm-tiny");
        const auto model = SegllmModel::random(c, 1, nullptr, cpu_options());
        const std::map<std::string, Shape> got = shapes_of(model->root());

        std::map<std::string, Shape> want = llava_keys(c);
        HipieSegmentator standalone(c.hipie);
        std::size_t hipie_count = 0;
        for (const auto& [key, shape] : shapes_of(*standalone)) {
            want["model.segmentator." + key] = shape;
            ++hipie_count;
        }
        QVERIFY(hipie_count > 100);
        for (const auto& [key, shape] : want) {
            QVERIFY2(got.count(key) == 1, ("missing " + key).c_str());
            QVERIFY2(got.at(key) == shape, ("shape of " + key).c_str());
        }
        for (const auto& [key, shape] : got) {
            QVERIFY2(want.count(key) == 1, ("extra " + key).c_str());
        }

        // Full names written by hand from the reference table (tiny widths: stem 16 channels,
        // 3x3 kernel; d_model 64; 16 + 2 queries; 2 decoder layers; controller 121 outputs).
        const std::string d = "model.segmentator.hipie.detr.detr.";
        const std::map<std::string, Shape> spot = {
            {d + "backbone.0.backbone.stem.conv1.weight", {16, 3, 3, 3}},
            {d + "backbone.0.backbone.stem.conv1.norm.running_var", {16}},
            {d + "backbone.0.backbone.res5.0.shortcut.weight", {256, 128, 1, 1}},
            {d + "transformer.level_embed", {4, 64}},
            {d + "transformer.tgt_embed.weight", {16, 64}},
            {d + "transformer.tgt_embed_bg.weight", {2, 64}},
            {d + "transformer.bg_query_refs.weight", {2, 4}},
            {d + "transformer.encoder.vl_layers.0.b_attn.attn.l_proj.weight", {128, 64}},
            {d + "transformer.decoder.layers.1.self_attn.in_proj_weight", {192, 64}},
            {d + "class_embed.0.dot_product_projection_text.weight", {64, 64}},
            {d + "class_embed.2.body.weight", {1, 64}},
            {d + "bbox_embed.2.layers.2.weight", {4, 64}},
            {d + "iou_head.1.weight", {1, 64}},
            {"model.segmentator.hipie.detr.controller.layers.2.weight", {121, 64}},
            {"model.segmentator.hipie.detr.resizer.fc.weight", {64, 64}},
            {"lm_head.weight", {523, 128}},
            {"model.vision_tower.vision_tower.vision_model.embeddings.position_embedding.weight",
             {65, 128}},
        };
        for (const auto& [key, shape] : spot) {
            QVERIFY2(got.count(key) == 1, ("missing " + key).c_str());
            QVERIFY2(got.at(key) == shape, ("shape of " + key).c_str());
        }
        QVERIFY(got.count("model.segmentator.hipie.detr.mask_head.lay1.weight") == 1);
        // FrozenBN statistics are buffers of the root, not parameters.
        bool running_mean_is_param = false;
        for (const auto& p : model->root().named_parameters()) {
            running_mean_is_param |= p.key().find("running_mean") != std::string::npos;
        }
        QVERIFY(!running_mean_is_param);
        // Aliases are not module keys: the heads exist once.
        for (const auto& [key, shape] : got) {
            QVERIFY2(key.find("transformer.decoder.class_embed") == std::string::npos, key.c_str());
            QVERIFY2(key.find("transformer.decoder.bbox_embed") == std::string::npos, key.c_str());
            QVERIFY2(key.find("text_encoder") == std::string::npos, key.c_str());
        }
    }

    void official_structure_key_names() {
        const SegllmConfig c = official_structure();
        const auto model = SegllmModel::random(c, 2, nullptr, cpu_options());
        const std::map<std::string, Shape> got = shapes_of(model->root());
        const std::map<std::string, Shape> llava = llava_keys(c);
        std::size_t llava_found = 0;
        for (const auto& [key, shape] : got) {
            if (key.rfind("model.segmentator.", 0) != 0) {
                QVERIFY2(llava.count(key) == 1, ("extra " + key).c_str());
                ++llava_found;
            }
        }
        QCOMPARE(llava_found, llava.size());
        QCOMPARE(llava.size(), std::size_t{3 + 32 * 9 + 5 + 24 * 16 + 10});
        const std::string bb = "model.segmentator.hipie.detr.detr.backbone.0.backbone.";
        const std::string t = "model.segmentator.hipie.detr.detr.transformer.";
        for (const std::string& key : std::vector<std::string>{
                 "model.layers.31.mlp.down_proj.weight",
                 "model.vision_tower.vision_tower.vision_model.encoder.layers.23.layer_norm2.bias",
                 bb + "stem.conv1.weight",
                 bb + "res2.2.conv3.norm.bias",
                 bb + "res3.3.conv2.norm.running_mean",
                 bb + "res4.5.conv3.norm.running_var",
                 bb + "res5.2.conv1.weight",
                 bb + "res5.0.shortcut.norm.weight",
                 "model.segmentator.hipie.detr.detr.input_proj.3.1.weight",
                 t + "encoder.layers.5.self_attn.sampling_offsets.weight",
                 t + "encoder.vl_layers.0.b_attn.gamma_l",
                 t + "decoder.layers.5.cross_attn.value_proj.bias",
                 t + "decoder.layers.5.self_attn.out_proj.weight",
                 t + "decoder.ref_point_head.layers.1.bias",
                 t + "resizer.layer_norm.weight",
                 t + "enc_output_norm.bias",
                 "model.segmentator.hipie.detr.detr.class_embed.5.bias_lang",
                 "model.segmentator.hipie.detr.detr.class_embed.6.body.bias",
                 "model.segmentator.hipie.detr.detr.bbox_embed.6.layers.2.bias",
                 "model.segmentator.hipie.detr.detr.iou_head.5.weight",
                 "model.segmentator.hipie.detr.controller.layers.2.bias",
                 "model.segmentator.hipie.detr.mask_head.jia_dcn.weight"}) {
            QVERIFY2(got.count(key) == 1, ("missing " + key).c_str());
        }
        for (const std::string& key : std::vector<std::string>{
                 "model.layers.32.mlp.down_proj.weight",
                 "model.vision_tower.vision_tower.vision_model.encoder.layers.24.layer_norm2.bias",
                 bb + "res2.3.conv1.weight", bb + "res4.6.conv1.weight", bb + "res5.3.conv1.weight",
                 t + "encoder.layers.6.norm1.weight", t + "decoder.layers.6.norm1.weight",
                 "model.segmentator.hipie.detr.detr.class_embed.7.body.weight",
                 "model.segmentator.hipie.detr.detr.iou_head.6.weight"}) {
            QVERIFY2(got.count(key) == 0, ("unexpected " + key).c_str());
        }
        // The controller's output width is 169 for the official mask branch with 8 dynamic
        // channels: (C + 2) * 8 + 8 * 8 + 8 weights + 8 + 8 + 1 biases, C = d_model / 32 = 1.
        QCOMPARE(got.at("model.segmentator.hipie.detr.controller.layers.2.weight")[0],
                 std::int64_t{3 * 8 + 64 + 8 + 17});
    }

    void skip_list_and_aliases_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<bool>("skipped");
        QTest::addColumn<QString>("canonical");
        const QString s = "model.segmentator.";
        const QString vm = "model.vision_tower.vision_tower.vision_model.";
        QTest::newRow("bert")
            << s + "hipie.text_encoder.body.model.encoder.layer.0.output.dense.weight" << true
            << "";
        QTest::newRow("criterion") << s + "hipie.criterion.empty_weight" << true << "";
        QTest::newRow("post_layernorm") << vm + "post_layernorm.weight" << true << "";
        QTest::newRow("visual_projection")
            << "model.vision_tower.vision_tower.visual_projection.weight" << true << "";
        QTest::newRow("position_ids") << vm + "embeddings.position_ids" << true << "";
        QTest::newRow("inv_freq") << "model.layers.3.self_attn.rotary_emb.inv_freq" << true << "";
        QTest::newRow("llm weight") << "model.layers.3.self_attn.q_proj.weight" << false
                                    << "model.layers.3.self_attn.q_proj.weight";
        QTest::newRow("dn resizer")
            << s + "hipie.detr.resizer.fc.weight" << false << s + "hipie.detr.resizer.fc.weight";
        QTest::newRow("class alias")
            << s + "hipie.detr.detr.transformer.decoder.class_embed.3.log_scale" << false
            << s + "hipie.detr.detr.class_embed.3.log_scale";
        QTest::newRow("bbox alias")
            << s + "hipie.detr.detr.transformer.decoder.bbox_embed.6.layers.0.weight" << false
            << s + "hipie.detr.detr.bbox_embed.6.layers.0.weight";
        QTest::newRow("alias without prefix")
            << "hipie.detr.detr.transformer.decoder.class_embed.0.bias0" << false
            << "hipie.detr.detr.transformer.decoder.class_embed.0.bias0";
    }
    void skip_list_and_aliases() {
        QFETCH(QString, key);
        QFETCH(bool, skipped);
        QFETCH(QString, canonical);
        QCOMPARE(is_skipped_checkpoint_key(key.toStdString()), skipped);
        if (!skipped) {
            QCOMPARE(QString::fromStdString(canonical_checkpoint_key(key.toStdString())),
                     canonical);
        }
    }

    void parameter_counts_per_component() {
        const SegllmConfig c = segllm_preset("segllm-tiny");
        const auto model = SegllmModel::random(c, 3, nullptr, cpu_options());
        const auto counts = parameter_counts(model->root());
        QCOMPARE(counts.size(), std::size_t{4});
        QCOMPARE(counts.at("llm"), llama_parameter_count(c.llm));
        QCOMPARE(counts.at("vision_tower"), clip_vision_parameter_count(c.vision));
        QCOMPARE(counts.at("projectors"), projector_parameter_count(c.projector));
        std::int64_t hipie = 0;
        HipieSegmentator standalone(c.hipie);
        for (const auto& p : standalone->named_parameters()) {
            hipie += p.value().numel();
        }
        QCOMPARE(counts.at("segmentator"), hipie);
        QVERIFY(hipie > 100000);
    }
};

QTEST_APPLESS_MAIN(TestSegllmKeys)
#include "test_segllm_keys.moc"
