// SegllmModel::load and save_model_folder: a random tiny model written with the official key
// names reloads into a fresh model with identical tensors and outputs; a checkpoint with one
// tensor missing, one extra or one misshaped is rejected naming it; an official-style sharded
// BF16 checkpoint (2 shards + index, HIPIE heads stored under both alias names, BERT /
// criterion / post_layernorm / position_ids keys) loads with those skipped; bf16 loading stays
// close to f32; pickles, bad devices and cancelled loads are refused.

#include "core/common/error.h"
#include "core/model/segllm.h"
#include "core/model/weight_loading.h"
#include "core/weights/safetensors_writer.h"

#include <ATen/ATen.h>
#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

using namespace segllm;
using namespace segllm::model;
namespace fs = std::filesystem;

namespace {

using Tensors = std::map<std::string, at::Tensor>;

LoadOptions cpu_options(const std::string& dtype = "f32") {
    LoadOptions o;
    o.device = "cpu";
    o.dtype = dtype;
    o.require_tokenizer = false;
    return o;
}

Tensors tensors_of(const SegllmModel& m) {
    Tensors out;
    for (const auto& [key, t] : module_tensors(m.root())) {
        out[key] = t.detach().clone();
    }
    return out;
}

void write_config(const std::string& dir, const SegllmConfig& c) {
    fs::create_directories(dir);
    std::ofstream out(dir + "/config.json");
    out << segllm_config_to_json(c);
}

void write_single(const std::string& dir, const SegllmConfig& c, const Tensors& tensors) {
    write_config(dir, c);
    weights::write_safetensors(
        dir + "/model.safetensors",
        std::vector<std::pair<std::string, at::Tensor>>(tensors.begin(), tensors.end()));
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

RgbImage test_image() {
    RgbImage img(90, 70);
    for (int y = 0; y < img.height; ++y) {
        for (int x = 0; x < img.width; ++x) {
            std::uint8_t* p = img.pixel(x, y);
            const bool inside = x >= 20 && x < 50 && y >= 15 && y < 40;
            p[0] = inside ? 220 : static_cast<std::uint8_t>(30 + x);
            p[1] = inside ? 30 : static_cast<std::uint8_t>(60 + y);
            p[2] = static_cast<std::uint8_t>((x * 7 + y * 3) % 256);
        }
    }
    return img;
}

const std::vector<int> kIds = {1, 17, 42, 99, 300, 7, 515, 2};

at::Tensor hidden_of(const SegllmModel& m) {
    return m.forward(m.embed(kIds), nullptr).hidden_states.to(at::kFloat);
}

}  // namespace

class TestSegllmLoader : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    SegllmConfig config_;
    std::shared_ptr<SegllmModel> model_;
    std::string saved_;

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        config_ = segllm_preset("segllm-tiny");
        model_ = SegllmModel::random(config_, 11, nullptr, cpu_options());
        saved_ = tmp_.filePath("saved").toStdString();
        save_model_folder(*model_, saved_);
        QVERIFY(fs::is_regular_file(saved_ + "/config.json"));
        QVERIFY(fs::is_regular_file(saved_ + "/model.safetensors"));
    }

    void round_trip_gives_identical_tensors_and_outputs() {
        LoadReport report;
        const auto loaded = SegllmModel::load(saved_, cpu_options(), &report);
        QVERIFY(report.missing.empty());
        QVERIFY(report.unexpected.empty());
        QVERIFY(report.skipped.empty());
        QVERIFY(report.misshaped.empty());
        QCOMPARE(QString::fromStdString(report.device_used), QString("cpu"));
        QCOMPARE(report.files.size(), std::size_t{1});
        QCOMPARE(report.parameter_counts.at("llm"), llama_parameter_count(config_.llm));
        QCOMPARE(loaded->config().hipie.input_side, std::int64_t{128});
        QCOMPARE(loaded->config().llm.vocab_size, std::int64_t{523});

        const Tensors a = tensors_of(*model_);
        const Tensors b = tensors_of(*loaded);
        QCOMPARE(a.size(), b.size());
        for (const auto& [key, t] : a) {
            QVERIFY2(b.count(key) == 1 && at::equal(t, b.at(key)), key.c_str());
        }
        // Outputs: LLM states, image rows and the decoded mask are identical.
        QVERIFY(at::equal(hidden_of(*model_), hidden_of(*loaded)));
        const RgbImage img = test_image();
        const ImageEncoding e1 = model_->encode_image(img);
        const ImageEncoding e2 = loaded->encode_image(img);
        QVERIFY(at::equal(e1.image_rows, e2.image_rows));
        const at::Tensor h = hidden_of(*model_)[0][5];
        const SegDecode d1 = model_->decode_seg(e1, h);
        const SegDecode d2 = loaded->decode_seg(e2, h);
        QVERIFY(d1.mask_frame == d2.mask_frame);
        QCOMPARE(d1.score, d2.score);
        // The comparison can fail: another seed gives other states.
        const auto other = SegllmModel::random(config_, 12, nullptr, cpu_options());
        QVERIFY(!at::allclose(hidden_of(*model_), hidden_of(*other)));
    }

    void rejects_bad_checkpoints_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QString>("tensor");
        QTest::newRow("missing weight") << "missing"
                                        << "model.layers.1.mlp.up_proj.weight";
        QTest::newRow("missing FrozenBN buffer")
            << "missing"
            << "model.segmentator.hipie.detr.detr.backbone.0.backbone.stem.conv1.norm.running_mean";
        QTest::newRow("misshaped") << "misshaped"
                                   << "model.segmentator.hipie.detr.detr.transformer.level_embed";
        QTest::newRow("extra") << "extra"
                               << "model.layers.1.mlp.extra_proj.weight";
    }
    void rejects_bad_checkpoints() {
        QFETCH(QString, kind);
        QFETCH(QString, tensor);
        const std::string name = tensor.toStdString();
        Tensors t = tensors_of(*model_);
        if (kind == "missing") {
            QVERIFY(t.erase(name) == 1);
        } else if (kind == "misshaped") {
            QVERIFY(t.count(name) == 1);
            t[name] = at::zeros({4, 65});
        } else {
            t[name] = at::zeros({3});
        }
        const std::string dir = tmp_.filePath("bad-" + kind).toStdString();
        write_single(dir, config_, t);
        const std::string file = dir + "/model.safetensors";

        LoadOptions strict = cpu_options();
        strict.strict = true;
        const std::string message = error_of([&] { SegllmModel::load(dir, strict); });
        QVERIFY2(message.find(name) != std::string::npos, message.c_str());
        QVERIFY2(message.find(file) != std::string::npos, message.c_str());

        LoadReport report;
        const std::string lenient =
            error_of([&] { SegllmModel::load(dir, cpu_options(), &report); });
        if (kind == "extra") {
            QVERIFY2(lenient.empty(), lenient.c_str());
            QCOMPARE(report.unexpected, std::vector<std::string>{name});
        } else {
            QVERIFY2(lenient.find(name) != std::string::npos, lenient.c_str());
            const auto& list = kind == "missing" ? report.missing : report.misshaped;
            QCOMPARE(list.size(), std::size_t{1});
            QVERIFY(list[0].rfind(name, 0) == 0);
            if (kind == "misshaped") {
                QVERIFY2(list[0].find("expected [4, 64], got [4, 65]") != std::string::npos,
                         list[0].c_str());
            }
        }
    }

    void official_style_sharded_bf16_checkpoint() {
        const Tensors original = tensors_of(*model_);
        const std::string dir = tmp_.filePath("sharded").toStdString();
        write_config(dir, config_);
        const std::string s = "model.segmentator.";
        const std::string heads = s + "hipie.detr.detr.";
        const std::string alias = heads + "transformer.decoder.";
        std::vector<std::pair<std::string, at::Tensor>> shard1, shard2;
        for (const auto& [key, t] : original) {
            const at::Tensor stored = t.to(at::kBFloat16);
            auto& shard = key.rfind(s, 0) == 0 ? shard2 : shard1;
            if (key.rfind(heads + "class_embed.", 0) == 0) {
                // stored twice, under both names
                shard.emplace_back(key, stored);
                shard.emplace_back(alias + key.substr(heads.size()), stored);
            } else if (key.rfind(heads + "bbox_embed.", 0) == 0) {
                // stored once, under the alias name only
                shard.emplace_back(alias + key.substr(heads.size()), stored);
            } else {
                shard.emplace_back(key, stored);
            }
        }
        const std::vector<std::string> skipped = {
            s + "hipie.criterion.empty_weight",
            s + "hipie.text_encoder.body.model.embeddings.word_embeddings.weight",
            "model.vision_tower.vision_tower.vision_model.embeddings.position_ids",
            "model.vision_tower.vision_tower.vision_model.post_layernorm.bias",
            "model.vision_tower.vision_tower.vision_model.post_layernorm.weight",
        };
        shard2.emplace_back(skipped[0], at::ones({3}, at::kFloat));
        shard2.emplace_back(skipped[1], at::ones({10, 4}, at::kBFloat16));
        shard1.emplace_back(skipped[2], at::arange(65, at::kLong).view({1, 65}));
        shard1.emplace_back(skipped[3], at::zeros({128}, at::kBFloat16));
        shard1.emplace_back(skipped[4], at::ones({128}, at::kBFloat16));

        const auto write_shards = [&](const std::vector<std::pair<std::string, at::Tensor>>& b) {
            const std::string f1 = "model-00001-of-00002.safetensors";
            const std::string f2 = "model-00002-of-00002.safetensors";
            weights::write_safetensors(dir + "/" + f1, shard1);
            weights::write_safetensors(dir + "/" + f2, b);
            nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", {}}};
            for (const auto& [key, t] : shard1) {
                index["weight_map"][key] = f1;
            }
            for (const auto& [key, t] : b) {
                index["weight_map"][key] = f2;
            }
            std::ofstream(dir + "/model.safetensors.index.json") << index.dump(1);
        };
        write_shards(shard2);

        LoadReport report;
        const auto loaded = SegllmModel::load(dir, cpu_options(), &report);
        QCOMPARE(report.files.size(), std::size_t{2});
        QVERIFY(report.missing.empty());
        QVERIFY(report.misshaped.empty());
        QVERIFY2(report.unexpected.empty(),
                 report.unexpected.empty() ? "" : report.unexpected.front().c_str());
        QCOMPARE(report.skipped, skipped);  // sorted, as Checkpoint::names
        // Values: the bf16-rounded originals, converted to the load dtype (f32 here).
        const Tensors got = tensors_of(*loaded);
        for (const auto& [key, t] : original) {
            const at::Tensor want = t.to(at::kBFloat16).to(at::kFloat);
            QVERIFY2(got.at(key).scalar_type() == at::kFloat, key.c_str());
            QVERIFY2(at::equal(got.at(key), want), key.c_str());
        }
        LoadOptions strict = cpu_options();
        strict.strict = true;
        QVERIFY(SegllmModel::load(dir, strict) != nullptr);

        // A truly unknown key: reported without --strict, fatal with it.
        auto with_unknown = shard2;
        with_unknown.emplace_back("model.mystery_head.weight", at::zeros({2, 2}, at::kBFloat16));
        write_shards(with_unknown);
        LoadReport lenient;
        QVERIFY(SegllmModel::load(dir, cpu_options(), &lenient) != nullptr);
        QCOMPARE(lenient.unexpected, std::vector<std::string>{"model.mystery_head.weight"});
        QCOMPARE(lenient.skipped.size(), skipped.size());
        const std::string message = error_of([&] { SegllmModel::load(dir, strict); });
        QVERIFY2(message.find("model.mystery_head.weight") != std::string::npos, message.c_str());
        QVERIFY2(message.find("model-00002-of-00002.safetensors") != std::string::npos,
                 message.c_str());
    }

    void bf16_load_is_close_to_f32() {
        const auto f32 = SegllmModel::load(saved_, cpu_options("f32"));
        const auto bf16 = SegllmModel::load(saved_, cpu_options("bf16"));
        QCOMPARE(bf16->dtype(), at::kBFloat16);
        const Tensors t = tensors_of(*bf16);
        QCOMPARE(t.at("model.layers.0.self_attn.q_proj.weight").scalar_type(), at::kBFloat16);
        QCOMPARE(
            t.at("model.vision_tower.vision_tower.vision_model.pre_layrnorm.weight").scalar_type(),
            at::kBFloat16);
        QCOMPARE(t.at("model.mm_projector.0.weight").scalar_type(), at::kBFloat16);
        QCOMPARE(t.at("model.segmentator.hipie.detr.detr.transformer.level_embed").scalar_type(),
                 at::kFloat);
        QCOMPARE(t.at("model.segmentator.hipie.detr.detr.backbone.0.backbone.stem.conv1.norm."
                      "running_var")
                     .scalar_type(),
                 at::kFloat);

        const at::Tensor a = hidden_of(*f32);
        const at::Tensor b = hidden_of(*bf16);
        QCOMPARE(b.sizes().vec(), a.sizes().vec());
        const double scale = a.abs().max().item<double>();
        const double diff = (a - b).abs().max().item<double>();
        QVERIFY2(diff <= 0.08 * scale,
                 qPrintable(QString("max diff %1 of %2").arg(diff).arg(scale)));
        QVERIFY(diff > 0.0);  // really computed in bf16

        const RgbImage img = test_image();
        const at::Tensor ra = f32->encode_image(img).image_rows.to(at::kFloat);
        const at::Tensor rb = bf16->encode_image(img).image_rows.to(at::kFloat);
        QCOMPARE(rb.scalar_type(), at::kFloat);
        const double rscale = ra.abs().max().item<double>();
        QVERIFY((ra - rb).abs().max().item<double>() <= 0.08 * rscale);
    }

    void refuses_pickles_devices_and_cancel() {
        const std::string dir = tmp_.filePath("pickle").toStdString();
        write_config(dir, config_);
        std::ofstream(dir + "/pytorch_model.bin") << "not really a pickle";
        const std::string pickle = error_of([&] { SegllmModel::load(dir, cpu_options()); });
        QVERIFY2(pickle.find("safetensors") != std::string::npos, pickle.c_str());

        LoadOptions bad_device = cpu_options();
        bad_device.device = "tpu";
        QVERIFY(error_of([&] { SegllmModel::load(saved_, bad_device); }).find("tpu") !=
                std::string::npos);
        LoadOptions bad_dtype = cpu_options();
        bad_dtype.dtype = "f8";
        QVERIFY(error_of([&] { SegllmModel::load(saved_, bad_dtype); }).find("f8") !=
                std::string::npos);

        LoadOptions bad_scale = cpu_options();
        bad_scale.encode_scale = 5.0;
        const std::string scale = error_of([&] { SegllmModel::load(saved_, bad_scale); });
        QVERIFY2(scale.find(saved_) != std::string::npos && scale.find("5.0") != std::string::npos,
                 scale.c_str());
        LoadOptions whole = cpu_options();
        whole.encode_scale = 1.0;  // replaces the config's mm_encode_scale
        QCOMPARE(SegllmModel::load(saved_, whole)->config().projector.encode_scale, 1.0);
        QCOMPARE(SegllmModel::load(saved_, cpu_options())->config().projector.encode_scale,
                 config_.projector.encode_scale);

        LoadOptions cancel = cpu_options();
        std::vector<double> fractions;
        cancel.progress = [&](double f, const std::string& stage) {
            fractions.push_back(f);
            return stage != "loading tensors" || f < 0.5;
        };
        const std::string cancelled = error_of([&] { SegllmModel::load(saved_, cancel); });
        QVERIFY2(cancelled.find("cancelled") != std::string::npos, cancelled.c_str());
        QVERIFY(fractions.size() > 5);
        for (std::size_t i = 1; i < fractions.size(); ++i) {
            QVERIFY(fractions[i] >= fractions[i - 1]);
        }

        if (!at::hasCUDA()) {
            LoadOptions cuda = cpu_options();
            cuda.device = "cuda";
            LoadReport report;
            const auto m = SegllmModel::load(saved_, cuda, &report);
            QCOMPARE(QString::fromStdString(report.device_used), QString("cpu"));
            QVERIFY(report.device_note.find("CUDA") != std::string::npos);
            QVERIFY(m->device().is_cpu());
        }

        // A folder without a tokenizer is refused when one is required.
        LoadOptions need_tokenizer = cpu_options();
        need_tokenizer.require_tokenizer = true;
        const std::string no_tokenizer =
            error_of([&] { SegllmModel::load(saved_, need_tokenizer); });
        QVERIFY2(no_tokenizer.find("tokenizer.model") != std::string::npos, no_tokenizer.c_str());
    }
};

QTEST_APPLESS_MAIN(TestSegllmLoader)
#include "test_segllm_loader.moc"
