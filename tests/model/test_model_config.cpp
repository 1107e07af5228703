// Configuration of the SegLLM network: parsing an HF-style config.json, errors naming file and
// key, presets, and parameter counts computed from the configuration alone.

#include "core/common/error.h"
#include "core/model/config.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <string>

using namespace segllm;
using namespace segllm::model;

namespace {

// A LlavaLlamaForCausalLM config.json as LLaVA-1.5-7B / SegLLM write it (abridged: unrelated
// keys kept to show they are ignored).
const char* const k7bConfig = R"({
  "_name_or_path": "liuhaotian/llava-v1.5-7b",
  "architectures": ["LlavaLlamaForCausalLM"],
  "bos_token_id": 1,
  "eos_token_id": 2,
  "hidden_act": "silu",
  "hidden_size": 4096,
  "initializer_range": 0.02,
  "intermediate_size": 11008,
  "max_position_embeddings": 4096,
  "mm_hidden_size": 1024,
  "mm_projector_type": "mlp2x_gelu",
  "mm_use_im_patch_token": false,
  "mm_use_im_start_end": false,
  "mm_vision_select_feature": "patch",
  "mm_vision_select_layer": -2,
  "mm_vision_tower": "openai/clip-vit-large-patch14",
  "model_type": "llava",
  "num_attention_heads": 32,
  "num_hidden_layers": 32,
  "num_key_value_heads": 32,
  "pad_token_id": 0,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": null,
  "rope_theta": 10000.0,
  "segmentator": "hipie",
  "tie_word_embeddings": false,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.43.3",
  "use_cache": true,
  "vocab_size": 32011
})";

}  // namespace

class TestModelConfig : public QObject {
    Q_OBJECT

private slots:
    void parses_official_config() {
        const SegllmConfig c = parse_segllm_config(k7bConfig, "config.json");
        QCOMPARE(c.llm.vocab_size, std::int64_t{32011});
        QCOMPARE(c.llm.hidden_size, std::int64_t{4096});
        QCOMPARE(c.llm.intermediate_size, std::int64_t{11008});
        QCOMPARE(c.llm.num_hidden_layers, std::int64_t{32});
        QCOMPARE(c.llm.num_attention_heads, std::int64_t{32});
        QCOMPARE(c.llm.num_key_value_heads, std::int64_t{32});
        QCOMPARE(c.llm.head_dim(), std::int64_t{128});
        QCOMPARE(c.llm.rms_norm_eps, 1e-5);
        QCOMPARE(c.llm.rope_theta, 10000.0);
        QCOMPARE(c.llm.max_position_embeddings, std::int64_t{4096});
        // No vision_config: openai/clip-vit-large-patch14 defaults.
        QCOMPARE(c.vision.image_size, std::int64_t{224});
        QCOMPARE(c.vision.patch_size, std::int64_t{14});
        QCOMPARE(c.vision.hidden_size, std::int64_t{1024});
        QCOMPARE(c.vision.intermediate_size, std::int64_t{4096});
        QCOMPARE(c.vision.num_hidden_layers, std::int64_t{24});
        QCOMPARE(c.vision.num_attention_heads, std::int64_t{16});
        QCOMPARE(c.vision.layer_norm_eps, 1e-5);
        QCOMPARE(c.vision.select_layer, std::int64_t{-2});
        QCOMPARE(c.vision.num_positions(), std::int64_t{257});
        QCOMPARE(c.vision.layers_to_run(), std::int64_t{23});
        QCOMPARE(c.projector.mm_hidden_size, std::int64_t{1024});
        QCOMPARE(c.projector.hidden_size, std::int64_t{4096});
        QCOMPARE(c.projector.seg_output_size(), std::int64_t{6144});
    }

    void optional_keys_default() {
        // num_key_value_heads, rope_theta and max_position_embeddings are optional.
        const SegllmConfig c = parse_segllm_config(
            R"({"vocab_size": 10, "hidden_size": 8, "intermediate_size": 12,
                "num_hidden_layers": 1, "num_attention_heads": 2, "rms_norm_eps": 1e-6,
                "mm_hidden_size": 4,
                "vision_config": {"image_size": 16, "patch_size": 4, "hidden_size": 4,
                                  "intermediate_size": 8, "num_hidden_layers": 3,
                                  "num_attention_heads": 1, "layer_norm_eps": 1e-6}})",
            "tiny.json");
        QCOMPARE(c.llm.num_key_value_heads, std::int64_t{2});
        QCOMPARE(c.llm.rope_theta, 10000.0);
        QCOMPARE(c.llm.max_position_embeddings, std::int64_t{4096});
        QCOMPARE(c.llm.rms_norm_eps, 1e-6);
        QCOMPARE(c.vision.image_size, std::int64_t{16});
        QCOMPARE(c.vision.num_positions(), std::int64_t{17});
        QCOMPARE(c.vision.num_hidden_layers, std::int64_t{3});
        QCOMPARE(c.vision.layers_to_run(), std::int64_t{2});
        QCOMPARE(c.projector.seg_token_count, std::int64_t{8});
        QCOMPARE(c.projector.seg_token_dim, std::int64_t{768});
        QCOMPARE(c.projector.encode_scale, 0.5);  // the original's mask/box-encode factor
    }

    void encode_scale_is_read_and_written() {
        nlohmann::json config = nlohmann::json::parse(k7bConfig);
        config["mm_encode_scale"] = 1.0;
        const SegllmConfig c = parse_segllm_config(config.dump(), "scale.json");
        QCOMPARE(c.projector.encode_scale, 1.0);
        const SegllmConfig back = parse_segllm_config(segllm_config_to_json(c), "back.json");
        QCOMPARE(back.projector.encode_scale, 1.0);
    }

    void selected_layer_data() {
        QTest::addColumn<int>("select_layer");
        QTest::addColumn<int>("layers_to_run");
        // 24 layers: hidden_states has 25 entries, [-1] = after layer 24, [-2] = after 23.
        QTest::newRow("-2") << -2 << 23;
        QTest::newRow("-1") << -1 << 24;
        QTest::newRow("-25 (embeddings)") << -25 << 0;
        QTest::newRow("0") << 0 << 0;
        QTest::newRow("12") << 12 << 12;
    }
    void selected_layer() {
        QFETCH(int, select_layer);
        QFETCH(int, layers_to_run);
        ClipVisionConfig v;
        v.select_layer = select_layer;
        QCOMPARE(v.layers_to_run(), std::int64_t{layers_to_run});
    }

    void errors_name_file_and_key_data() {
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");     // JSON text; empty: the key is removed
        QTest::addColumn<QString>("expected");  // substrings of the message, '|' separated
        QTest::newRow("missing hidden_size") << "hidden_size"
                                             << ""
                                             << "'hidden_size'|missing";
        QTest::newRow("missing vocab_size") << "vocab_size"
                                            << ""
                                            << "'vocab_size'|missing";
        QTest::newRow("missing rms_norm_eps") << "rms_norm_eps"
                                              << ""
                                              << "'rms_norm_eps'|missing";
        QTest::newRow("string layers") << "num_hidden_layers"
                                       << R"("32")"
                                       << "'num_hidden_layers'|integer|string";
        QTest::newRow("float heads") << "num_attention_heads"
                                     << "32.5"
                                     << "'num_attention_heads'|integer";
        QTest::newRow("string eps") << "rms_norm_eps"
                                    << R"("1e-5")"
                                    << "'rms_norm_eps'|number";
        QTest::newRow("negative size") << "intermediate_size"
                                       << "-1"
                                       << "'intermediate_size'|positive";
        QTest::newRow("kv heads do not divide") << "num_key_value_heads"
                                                << "5"
                                                << "'num_key_value_heads'|divide";
        QTest::newRow("vision_config not object") << "vision_config"
                                                  << "3"
                                                  << "'vision_config'|object";
        QTest::newRow("vision key wrong type") << "vision_config"
                                               << R"({"patch_size": "14"})"
                                               << "'vision_config.patch_size'|integer";
        QTest::newRow("patch does not divide image") << "vision_config"
                                                     << R"({"patch_size": 15})"
                                                     << "'vision_config.patch_size'|divide";
        QTest::newRow("vision activation") << "vision_config"
                                           << R"({"hidden_act": "gelu"})"
                                           << "'vision_config.hidden_act'|gelu";
        QTest::newRow("select layer out of range") << "mm_vision_select_layer"
                                                   << "-30"
                                                   << "'mm_vision_select_layer'|range";
        QTest::newRow("mm_hidden_size mismatch") << "mm_hidden_size"
                                                 << "768"
                                                 << "'mm_hidden_size'|1024";
        QTest::newRow("projector type") << "mm_projector_type"
                                        << R"("linear")"
                                        << "'mm_projector_type'|linear";
        QTest::newRow("select feature") << "mm_vision_select_feature"
                                        << R"("cls_patch")"
                                        << "'mm_vision_select_feature'";
        QTest::newRow("zero encode scale") << "mm_encode_scale"
                                           << "0"
                                           << "'mm_encode_scale'|(0, 4]";
        QTest::newRow("huge encode scale") << "mm_encode_scale"
                                           << "1e30"
                                           << "'mm_encode_scale'|(0, 4]";
        QTest::newRow("string encode scale") << "mm_encode_scale"
                                             << R"("1.0")"
                                             << "'mm_encode_scale'|number";
        QTest::newRow("rope scaling") << "rope_scaling"
                                      << R"({"type": "linear", "factor": 2.0})"
                                      << "'rope_scaling'";
    }
    void errors_name_file_and_key() {
        QFETCH(QString, key);
        QFETCH(QString, value);
        QFETCH(QString, expected);
        nlohmann::json config = nlohmann::json::parse(k7bConfig);
        QVERIFY(config.contains(key.toStdString()) || !value.isEmpty());
        if (value.isEmpty()) {
            config.erase(key.toStdString());
        } else {
            config[key.toStdString()] = nlohmann::json::parse(value.toStdString());
        }
        try {
            parse_segllm_config(config.dump(), "ckpt/config.json");
            QFAIL("no error thrown");
        } catch (const Error& error) {
            const QString message = QString::fromStdString(error.what());
            QVERIFY2(message.startsWith("ckpt/config.json"), qPrintable(message));
            for (const QString& part : expected.split('|')) {
                QVERIFY2(message.contains(part), qPrintable(message + " lacks " + part));
            }
        }
    }

    void invalid_json_names_file() {
        try {
            parse_segllm_config("{\"vocab_size\": ", "broken/config.json");
            QFAIL("no error thrown");
        } catch (const Error& error) {
            QVERIFY(QString(error.what()).contains("broken/config.json"));
            QVERIFY(QString(error.what()).contains("invalid JSON"));
        }
        QVERIFY_THROWS_EXCEPTION(Error, parse_segllm_config("[1, 2]", "a.json"));
    }

    void loads_file_and_round_trips() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string path = dir.filePath("config.json").toStdString();
        SegllmConfig tiny = segllm_preset("segllm-tiny");
        tiny.llm.num_key_value_heads = 2;
        tiny.llm.rope_theta = 5000.0;
        {
            std::ofstream out(path);
            out << segllm_config_to_json(tiny);
        }
        const SegllmConfig back = load_segllm_config(path);
        QCOMPARE(back.llm.vocab_size, tiny.llm.vocab_size);
        QCOMPARE(back.llm.hidden_size, std::int64_t{128});
        QCOMPARE(back.llm.num_key_value_heads, std::int64_t{2});
        QCOMPARE(back.llm.rope_theta, 5000.0);
        QCOMPARE(back.vision.image_size, std::int64_t{64});
        QCOMPARE(back.vision.patch_size, std::int64_t{8});
        QCOMPARE(back.vision.hidden_size, std::int64_t{128});
        QCOMPARE(back.vision.num_hidden_layers, std::int64_t{4});
        QCOMPARE(back.projector.seg_token_dim, std::int64_t{64});
        QCOMPARE(back.projector.seg_output_size(), std::int64_t{512});

        const std::string missing = dir.filePath("nope.json").toStdString();
        try {
            load_segllm_config(missing);
            QFAIL("no error thrown");
        } catch (const Error& error) {
            QVERIFY(QString(error.what()).contains(QString::fromStdString(missing)));
        }
    }

    void segmentator_config() {
        // Absent: HIPIE's official configuration (R50, 6 + 6 layers, 1024 px, 768 x 8 tokens).
        const SegllmConfig official = parse_segllm_config(k7bConfig, "config.json");
        QCOMPARE(official.hipie.input_side, std::int64_t{1024});
        QCOMPARE(official.hipie.d_model, std::int64_t{256});
        QCOMPARE(official.hipie.backbone.blocks[2], std::int64_t{6});
        QCOMPARE(official.hipie.lang_dim, std::int64_t{768});
        QCOMPARE(official.hipie.lang_tokens, std::int64_t{8});
        QCOMPARE(official.hipie.controller_out_dim(), std::int64_t{169});

        // The tiny preset carries HipieConfig::tiny() and round-trips through config.json.
        const SegllmConfig tiny = segllm_preset("segllm-tiny");
        QCOMPARE(tiny.hipie.input_side, std::int64_t{128});
        QCOMPARE(tiny.hipie.d_model, std::int64_t{64});
        const SegllmConfig back = parse_segllm_config(segllm_config_to_json(tiny), "tiny.json");
        QCOMPARE(back.hipie.input_side, std::int64_t{128});
        QCOMPARE(back.hipie.d_model, std::int64_t{64});
        QCOMPARE(back.hipie.num_proposals, std::int64_t{16});
        QCOMPARE(back.hipie.backbone.stem_kernel, std::int64_t{3});
        QCOMPARE(back.hipie.backbone.out_channels[3], std::int64_t{256});
        QCOMPARE(back.hipie.vl_gamma_init, 0.5);
        QCOMPARE(back.hipie.controller_out_dim(), std::int64_t{121});
        QCOMPARE(back.vision.image_size, std::int64_t{64});

        // Partial objects override the official values; "hipie_config" is accepted too.
        nlohmann::json config = nlohmann::json::parse(k7bConfig);
        config["hipie_config"] = {{"input_side", 512}, {"backbone", {{"blocks", {3, 4, 23, 3}}}}};
        const SegllmConfig r101 = parse_segllm_config(config.dump(), "config.json");
        QCOMPARE(r101.hipie.input_side, std::int64_t{512});
        QCOMPARE(r101.hipie.backbone.blocks[2], std::int64_t{23});
        QCOMPARE(r101.hipie.d_model, std::int64_t{256});
    }

    void segmentator_config_errors_data() {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        QTest::newRow("lang width") << R"({"lang_dim": 512})"
                                    << "'segmentator_config.lang_dim'|512|768";
        QTest::newRow("token count") << R"({"lang_tokens": 6})"
                                     << "'segmentator_config.lang_tokens'|6|8";
        QTest::newRow("blocks length") << R"({"backbone": {"blocks": [3, 4, 6]}})"
                                       << "'segmentator_config.backbone.blocks'";
        QTest::newRow("wrong type") << R"({"d_model": "wide"})"
                                    << "'segmentator_config.d_model'";
        QTest::newRow("invalid") << R"({"d_model": 100})"
                                 << "'segmentator_config'|d_model";
        QTest::newRow("not an object") << "[1]"
                                       << "'segmentator_config'";
    }
    void segmentator_config_errors() {
        QFETCH(QString, value);
        QFETCH(QString, expected);
        nlohmann::json config = nlohmann::json::parse(k7bConfig);
        config["segmentator_config"] = nlohmann::json::parse(value.toStdString());
        try {
            parse_segllm_config(config.dump(), "ckpt/config.json");
            QFAIL("no error thrown");
        } catch (const Error& error) {
            const QString message = QString::fromStdString(error.what());
            QVERIFY2(message.startsWith("ckpt/config.json"), qPrintable(message));
            for (const QString& part : expected.split('|')) {
                QVERIFY2(message.contains(part), qPrintable(message + " lacks " + part));
            }
        }
    }

    void presets() {
        const SegllmConfig big = segllm_preset("segllm-7b");
        QCOMPARE(big.llm.vocab_size, std::int64_t{32011});
        QCOMPARE(big.llm.hidden_size, std::int64_t{4096});
        QCOMPARE(big.vision.num_positions(), std::int64_t{257});
        QCOMPARE(big.projector.seg_output_size(), std::int64_t{6144});
        const SegllmConfig tiny = segllm_preset("segllm-tiny");
        QCOMPARE(tiny.llm.hidden_size, std::int64_t{128});
        QCOMPARE(tiny.llm.num_hidden_layers, std::int64_t{4});
        QCOMPARE(tiny.llm.head_dim(), std::int64_t{32});
        QCOMPARE(tiny.vision.num_patches(), std::int64_t{64});
        QCOMPARE(tiny.vision.layers_to_run(), std::int64_t{3});
        validate_config(big, "segllm-7b");
        validate_config(tiny, "segllm-tiny");
        QCOMPARE(segllm_preset_names().size(), std::size_t{2});
        try {
            segllm_preset("segllm-13b");
            QFAIL("no error thrown");
        } catch (const Error& error) {
            QVERIFY(QString(error.what()).contains("segllm-13b"));
            QVERIFY(QString(error.what()).contains("segllm-tiny"));
        }
    }

    void parameter_counts_7b() {
        // LLaMA-2-7B with its 32000-token vocabulary has 6,738,415,616 parameters:
        // 2 * 32000 * 4096 (embeddings + lm_head) = 262,144,000
        // + 32 layers * (4 * 4096^2 + 3 * 4096 * 11008 + 2 * 4096) = 32 * 202,383,360
        // + 4096 (final norm).
        LlamaConfig llama2;
        llama2.vocab_size = 32000;
        QCOMPARE(llama_parameter_count(llama2), std::int64_t{6738415616});
        // SegLLM: 11 more rows in embed_tokens and lm_head = 6,738,415,616 + 2 * 11 * 4096.
        QCOMPARE(llama_parameter_count(segllm_preset("segllm-7b").llm), std::int64_t{6738505728});
        // GQA shrinks k_proj / v_proj: 8 kv heads of 128 -> 2 * 4096 * (4096 - 1024) per layer.
        LlamaConfig gqa = llama2;
        gqa.num_key_value_heads = 8;
        QCOMPARE(llama_parameter_count(gqa),
                 std::int64_t{6738415616} - 32 * 2 * std::int64_t{4096} * 3072);
        // CLIP ViT-L/14 vision tower without post_layernorm / visual_projection:
        // embeddings 1024 + 1024*3*14*14 + 257*1024 = 866,304; pre_layrnorm 2,048;
        // 24 * (4 * (1024^2 + 1024) + 1024*4096 + 4096 + 4096*1024 + 1024 + 4 * 1024)
        // = 24 * 12,596,224 = 302,309,376.
        QCOMPARE(clip_vision_parameter_count(ClipVisionConfig{}), std::int64_t{303177728});
        // mm_projector 1024*4096 + 4096 + 4096^2 + 4096 = 20,979,712; mask_enc_head
        // 4*4096 + 4096 = 20,480; segmentator_predictor 4096^2 + 4096 + 4096*6144 + 6144
        // = 41,953,280.
        QCOMPARE(projector_parameter_count(ProjectorConfig{}), std::int64_t{62953472});
    }
};

QTEST_APPLESS_MAIN(TestModelConfig)
#include "test_model_config.moc"
