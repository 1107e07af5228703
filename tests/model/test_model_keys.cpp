// Parameter names and shapes of the module tree against the official SegLLM checkpoint names
// (segllm-reference.md 7.2), written out here for a tiny configuration, and the parameter count
// formula against the built modules.

#include "core/model/config.h"
#include "core/model/llama.h"

#include <ATen/ATen.h>

#include <QtTest>

#include <map>
#include <string>
#include <vector>

using namespace segllm::model;

namespace {

using Shape = std::vector<std::int64_t>;

// LLM width 16 (2 heads of 8, 1 kv head), 2 layers, vocab 20, MLP 24; CLIP 16 px, patch 8
// (4 patches + class token), width 8, MLP 12, 2 layers; SEG tokens 8 x 3.
SegllmConfig tiny() {
    SegllmConfig c;
    c.llm.vocab_size = 20;
    c.llm.hidden_size = 16;
    c.llm.intermediate_size = 24;
    c.llm.num_hidden_layers = 2;
    c.llm.num_attention_heads = 2;
    c.llm.num_key_value_heads = 1;
    c.vision.image_size = 16;
    c.vision.patch_size = 8;
    c.vision.hidden_size = 8;
    c.vision.intermediate_size = 12;
    c.vision.num_hidden_layers = 2;
    c.vision.num_attention_heads = 2;
    c.projector.mm_hidden_size = 8;
    c.projector.hidden_size = 16;
    c.projector.seg_token_count = 8;
    c.projector.seg_token_dim = 3;
    return c;
}

std::map<std::string, Shape> expected_keys() {
    std::map<std::string, Shape> keys = {
        {"model.embed_tokens.weight", {20, 16}},
        {"model.norm.weight", {16}},
        {"lm_head.weight", {20, 16}},
        {"model.vision_tower.vision_tower.vision_model.embeddings.class_embedding", {8}},
        {"model.vision_tower.vision_tower.vision_model.embeddings.patch_embedding.weight",
         {8, 3, 8, 8}},
        {"model.vision_tower.vision_tower.vision_model.embeddings.position_embedding.weight",
         {5, 8}},
        {"model.vision_tower.vision_tower.vision_model.pre_layrnorm.weight", {8}},
        {"model.vision_tower.vision_tower.vision_model.pre_layrnorm.bias", {8}},
        {"model.mm_projector.0.weight", {16, 8}},
        {"model.mm_projector.0.bias", {16}},
        {"model.mm_projector.2.weight", {16, 16}},
        {"model.mm_projector.2.bias", {16}},
        {"model.mask_enc_head.weight", {16, 4}},
        {"model.mask_enc_head.bias", {16}},
        {"model.segmentator_predictor.0.weight", {16, 16}},
        {"model.segmentator_predictor.0.bias", {16}},
        {"model.segmentator_predictor.2.weight", {24, 16}},
        {"model.segmentator_predictor.2.bias", {24}},
    };
    for (const std::string i : {"0", "1"}) {
        const std::string l = "model.layers." + i + ".";
        keys[l + "self_attn.q_proj.weight"] = {16, 16};
        keys[l + "self_attn.k_proj.weight"] = {8, 16};
        keys[l + "self_attn.v_proj.weight"] = {8, 16};
        keys[l + "self_attn.o_proj.weight"] = {16, 16};
        keys[l + "mlp.gate_proj.weight"] = {24, 16};
        keys[l + "mlp.up_proj.weight"] = {24, 16};
        keys[l + "mlp.down_proj.weight"] = {16, 24};
        keys[l + "input_layernorm.weight"] = {16};
        keys[l + "post_attention_layernorm.weight"] = {16};
        const std::string v =
            "model.vision_tower.vision_tower.vision_model.encoder.layers." + i + ".";
        for (const std::string p : {"q_proj", "k_proj", "v_proj", "out_proj"}) {
            keys[v + "self_attn." + p + ".weight"] = {8, 8};
            keys[v + "self_attn." + p + ".bias"] = {8};
        }
        keys[v + "layer_norm1.weight"] = {8};
        keys[v + "layer_norm1.bias"] = {8};
        keys[v + "mlp.fc1.weight"] = {12, 8};
        keys[v + "mlp.fc1.bias"] = {12};
        keys[v + "mlp.fc2.weight"] = {8, 12};
        keys[v + "mlp.fc2.bias"] = {8};
        keys[v + "layer_norm2.weight"] = {8};
        keys[v + "layer_norm2.bias"] = {8};
    }
    return keys;
}

}  // namespace

class TestModelKeys : public QObject {
    Q_OBJECT

private slots:
    void names_and_shapes_match_checkpoint() {
        LlavaLlamaForCausalLM root(tiny());
        std::map<std::string, Shape> got;
        for (const auto& p : root->named_parameters()) {
            got[p.key()] = p.value().sizes().vec();
        }
        const std::map<std::string, Shape> expected = expected_keys();
        QCOMPARE(got.size(), std::size_t{18 + 2 * 9 + 2 * 16});
        for (const auto& [name, shape] : expected) {
            QVERIFY2(got.count(name) == 1, qPrintable("missing " + QString::fromStdString(name)));
            QVERIFY2(got.at(name) == shape, qPrintable("shape of " + QString::fromStdString(name)));
        }
        for (const auto& [name, shape] : got) {
            QVERIFY2(expected.count(name) == 1,
                     qPrintable("extra " + QString::fromStdString(name)));
        }
        // no buffers (HF's position_ids is not persistent and not needed)
        QCOMPARE(root->named_buffers().size(), std::size_t{0});
        // no unused CLIP parts
        for (const auto& [name, shape] : got) {
            QVERIFY(name.find("post_layernorm") == std::string::npos);
            QVERIFY(name.find("visual_projection") == std::string::npos);
        }
    }

    void decoder_only_tree() {
        LlavaLlamaForCausalLM root(tiny().llm);
        std::size_t count = 0;
        for (const auto& p : root->named_parameters()) {
            QVERIFY2(p.key().rfind("model.embed_tokens", 0) == 0 ||
                         p.key().rfind("model.layers.", 0) == 0 || p.key() == "model.norm.weight" ||
                         p.key() == "lm_head.weight",
                     p.key().c_str());
            ++count;
        }
        QCOMPARE(count, std::size_t{3 + 2 * 9});
        QVERIFY(!root->model->has_vision());
    }

    void glue_can_register_under_model() {
        // The SegLLM glue adds the HIPIE decoder as model.segmentator.
        LlavaLlamaForCausalLM root(tiny());
        auto extra = std::make_shared<torch::nn::Module>();
        extra->register_parameter("probe", at::zeros({2}));
        root->model->register_module("segmentator", extra);
        bool found = false;
        for (const auto& p : root->named_parameters()) {
            found = found || p.key() == "model.segmentator.probe";
        }
        QVERIFY(found);
    }

    void parameter_count_formula_matches_modules_data() {
        QTest::addColumn<QString>("preset");
        QTest::newRow("segllm-tiny") << "segllm-tiny";
        QTest::newRow("keys test config") << "";
    }
    void parameter_count_formula_matches_modules() {
        QFETCH(QString, preset);
        const SegllmConfig c = preset.isEmpty() ? tiny() : segllm_preset(preset.toStdString());
        LlavaLlamaForCausalLM root(c);
        std::int64_t llm = 0;
        std::int64_t vision = 0;
        std::int64_t projectors = 0;
        for (const auto& p : root->named_parameters()) {
            if (p.key().rfind("model.vision_tower.", 0) == 0) {
                vision += p.value().numel();
            } else if (p.key().rfind("model.mm_projector.", 0) == 0 ||
                       p.key().rfind("model.mask_enc_head.", 0) == 0 ||
                       p.key().rfind("model.segmentator_predictor.", 0) == 0) {
                projectors += p.value().numel();
            } else {
                llm += p.value().numel();
            }
        }
        QCOMPARE(llm, llama_parameter_count(c.llm));
        QCOMPARE(vision, clip_vision_parameter_count(c.vision));
        QCOMPARE(projectors, projector_parameter_count(c.projector));
    }
};

QTEST_APPLESS_MAIN(TestModelKeys)
#include "test_model_keys.moc"
