// segllm average (core/train/average.h): the written folder holds the element-wise mean of the
// inputs' tensors, loads as a model and carries the first input's config and tokenizer; inputs of
// different architectures, tokenizers or tensors are refused naming the folder and tensor, and
// nothing is written then.

#include "core/common/error.h"
#include "core/model/config.h"
#include "core/model/segllm.h"
#include "core/train/average.h"
#include "core/weights/checkpoint.h"
#include "core/weights/safetensors_writer.h"

#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

using namespace segllm;
namespace fs = std::filesystem;

namespace {

const fs::path kTokenizer = SEGLLM_SOURCE_DIR "/resources/models/segllm-tiny/tokenizer.model";

model::LoadOptions cpu_options() {
    model::LoadOptions o;
    o.device = "cpu";
    o.dtype = "f32";
    o.require_tokenizer = false;
    return o;
}

void write_text(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

std::string read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Every tensor of a folder's checkpoint, in name order.
std::vector<std::pair<std::string, at::Tensor>> tensors_of(const std::string& dir) {
    const weights::Checkpoint checkpoint = weights::Checkpoint::open(dir);
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (const std::string& name : checkpoint.names()) {
        out.emplace_back(name, checkpoint.tensor(name));
    }
    return out;
}

}  // namespace

class TestAverage : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string a_, b_, c_;
    model::SegllmConfig config_;

    std::string path(const char* name) const { return tmp_.filePath(name).toStdString(); }

    // A copy of b_ named `name`, for one defect.
    std::string copy_of_b(const char* name) const {
        const std::string dir = path(name);
        fs::remove_all(dir);
        fs::copy(b_, dir);
        return dir;
    }

    void expect_error(const std::vector<std::string>& inputs, const std::string& out,
                      const std::vector<std::string>& parts) {
        const fs::path weights = fs::path(out) / "model.safetensors";
        const bool existed = fs::exists(weights);
        const std::string before = existed ? read_text(weights) : std::string();
        try {
            train::average_model_folders(inputs, out);
        } catch (const Error& e) {
            const std::string message = e.what();
            for (const std::string& part : parts) {
                QVERIFY2(message.find(part) != std::string::npos,
                         qPrintable(QString::fromStdString(message + " lacks " + part)));
            }
            // Nothing written: the output's weights are as they were.
            QCOMPARE(fs::exists(weights), existed);
            QVERIFY2(!existed || read_text(weights) == before, out.c_str());
            return;
        }
        QFAIL("no error");
    }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        config_ = model::segllm_preset("segllm-tiny");
        a_ = path("a");
        b_ = path("b");
        c_ = path("c");
        int seed = 21;
        for (const std::string& dir : {a_, b_, c_}) {
            const auto m = model::SegllmModel::random(config_, seed++, nullptr, cpu_options());
            model::save_model_folder(*m, dir);
            fs::copy_file(kTokenizer, fs::path(dir) / "tokenizer.model");
        }
    }

    void meanOfTwoAndThree() {
        const auto a = tensors_of(a_);
        const auto b = tensors_of(b_);
        const auto c = tensors_of(c_);
        const std::string two = path("two");
        const train::AverageSummary summary = train::average_model_folders({a_, b_}, two);
        QCOMPARE(summary.models, 2);
        QCOMPARE(summary.tensors, static_cast<int>(a.size()));
        const auto mean2 = tensors_of(two);
        QCOMPARE(mean2.size(), a.size());
        long long elements = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(mean2[i].first, a[i].first);
            const at::Tensor want =
                ((a[i].second.to(at::kDouble) + b[i].second.to(at::kDouble)) / 2).to(at::kFloat);
            QVERIFY2(at::equal(mean2[i].second, want), a[i].first.c_str());
            elements += a[i].second.numel();
        }
        QCOMPARE(summary.parameters, elements);
        // The comparison can fail: where the inputs differ the mean is neither of them.
        std::size_t differing = 0;
        while (differing < a.size() && at::equal(a[differing].second, b[differing].second)) {
            ++differing;
        }
        QVERIFY(differing < a.size());
        QVERIFY(!at::equal(mean2[differing].second, a[differing].second));
        QVERIFY(!at::equal(mean2[differing].second, b[differing].second));
        // The first input's config and tokenizer; the folder loads as a model.
        QCOMPARE(read_text(fs::path(two) / "config.json"), read_text(fs::path(a_) / "config.json"));
        QCOMPARE(read_text(fs::path(two) / "tokenizer.model"), read_text(kTokenizer));
        model::LoadReport report;
        model::SegllmModel::load(two, cpu_options(), &report);
        QVERIFY(report.missing.empty() && report.misshaped.empty() && report.unexpected.empty());

        const std::string three = path("three");
        train::average_model_folders({a_, b_, c_}, three);
        const auto mean3 = tensors_of(three);
        for (std::size_t i = 0; i < a.size(); ++i) {
            const at::Tensor want = ((a[i].second.to(at::kDouble) + b[i].second.to(at::kDouble) +
                                      c[i].second.to(at::kDouble)) /
                                     3)
                                        .to(at::kFloat);
            QVERIFY2(at::equal(mean3[i].second, want), a[i].first.c_str());
        }
        // An existing model is replaced only when asked.
        expect_error({a_, c_}, two, {two, "already exists"});
        train::average_model_folders({a_, c_}, two, true);
        QVERIFY(!at::equal(tensors_of(two)[differing].second, mean2[differing].second));
    }

    // The encode factor is not architecture: it may differ, and the first input's is kept.
    void encodeScaleMayDiffer() {
        const std::string scaled = copy_of_b("scaled");
        model::SegllmConfig config = model::load_segllm_config(scaled + "/config.json");
        config.projector.encode_scale = 1.0;
        write_text(fs::path(scaled) / "config.json", model::segllm_config_to_json(config));
        const std::string out = path("scaled-mean");
        train::average_model_folders({scaled, a_}, out);
        QCOMPARE(model::load_segllm_config(out + "/config.json").projector.encode_scale, 1.0);
    }

    void refusals() {
        const std::string out = path("refused");
        expect_error({a_}, out, {"at least two model folders, got 1"});
        expect_error({a_, b_}, a_, {a_, "is one of the inputs"});

        const std::string deeper = copy_of_b("deeper");
        model::SegllmConfig config = config_;
        config.llm.num_hidden_layers += 1;
        write_text(fs::path(deeper) / "config.json", model::segllm_config_to_json(config));
        expect_error({a_, deeper}, out, {deeper + "/config.json", "differs from", a_});

        const std::string other_tokenizer = copy_of_b("tokenizer");
        write_text(fs::path(other_tokenizer) / "tokenizer.model", "other bytes");
        expect_error({a_, other_tokenizer}, out,
                     {other_tokenizer + "/tokenizer.model", "one tokenizer"});
        fs::remove(fs::path(other_tokenizer) / "tokenizer.model");
        expect_error({a_, other_tokenizer}, out,
                     {other_tokenizer + "/tokenizer.model", "is missing"});

        // A tensor misshaped, and one missing, with the config unchanged.
        auto tensors = tensors_of(b_);
        const std::string name = tensors.front().first;
        const std::string misshaped = copy_of_b("misshaped");
        auto changed = tensors;
        changed.front().second = at::zeros({3}, at::kFloat);
        weights::write_safetensors(misshaped + "/model.safetensors", changed);
        expect_error({a_, misshaped}, out, {misshaped, "'" + name + "'", "[3]"});
        const std::string missing = copy_of_b("missing");
        changed = tensors;
        changed.erase(changed.begin());
        weights::write_safetensors(missing + "/model.safetensors", changed);
        expect_error({a_, missing}, out, {missing, "'" + name + "'", "is missing"});
        expect_error({a_, path("nowhere")}, out, {path("nowhere")});
    }
};

QTEST_GUILESS_MAIN(TestAverage)
#include "test_average.moc"
