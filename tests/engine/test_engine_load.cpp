// Engine::load with a LoadControl, on a tiny random SegLLM saved as a model folder: the progress
// stages in order, non-decreasing fractions ending at ("ready", 1), "loading weights" once per
// tensor in proportion to the bytes read; a load cancelled at any stage throws
// engine::Cancelled and reports nothing after the flag was set; a later load works and gives
// the same rounds as the model it was saved from.

// LibTorch headers (through the fixture) before Qt's, whose `slots` macro clashes with them.
#include "tests/engine/engine_fixture.h"

#include "core/model/weight_loading.h"

#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/common/error.h"
#include "core/engine/engine.h"

using segllm::engine::Engine;
using segllm::engine::EngineOptions;
using segllm::engine::LoadControl;
using segllm::engine::RoundResult;
using segllm::engine::Session;

namespace {

constexpr int kWidth = 128;
constexpr int kHeight = 96;

EngineOptions cpu() {
    EngineOptions o;
    o.device = "cpu";
    return o;
}

struct Call {
    std::string stage;
    double fraction = 0.0;
};

// The stage names with consecutive repeats collapsed.
std::vector<std::string> stage_order(const std::vector<Call>& calls) {
    std::vector<std::string> out;
    for (const Call& c : calls) {
        if (out.empty() || out.back() != c.stage) {
            out.push_back(c.stage);
        }
    }
    return out;
}

}  // namespace

class TestEngineLoad : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::shared_ptr<const segllm::model::SegllmModel> model_;
    std::string dir_;
    segllm::RgbImage image_;

    // Two rounds with a reference on `engine`.
    std::pair<RoundResult, RoundResult> two_rounds(const Engine& engine) const {
        Session s(engine);
        s.open_image(image_, "scene");
        RoundResult first = s.ask("Segment the red circle.");
        RoundResult second = s.ask("Find the shape left of [1].");
        return {std::move(first), std::move(second)};
    }

    static void identical(const RoundResult& a, const RoundResult& b) {
        QVERIFY(a.mask == b.mask);
        QCOMPARE(a.box, b.box);
        QVERIFY2(a.score == b.score,
                 (std::to_string(a.score) + " vs " + std::to_string(b.score)).c_str());
    }

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        const auto tiny = segllm::test::make_tiny_model(tmp_.path().toStdString());
        model_ = tiny.model;
        dir_ = tmp_.filePath("model").toStdString();
        segllm::model::save_model_folder(*tiny.model, dir_);
        image_ = segllm::test::scene_image(5, kWidth, kHeight);
    }

    void progressStagesAndFractions_data() {
        QTest::addColumn<bool>("warm_up");
        QTest::newRow("with warm-up") << true;
        QTest::newRow("without warm-up") << false;
    }
    void progressStagesAndFractions() {
        QFETCH(bool, warm_up);
        std::vector<Call> calls;
        LoadControl control;
        control.warm_up = warm_up;
        control.progress = [&](const std::string& stage, double fraction) {
            calls.push_back({stage, fraction});
        };
        const Engine engine = Engine::load(dir_, cpu(), control);

        std::vector<std::string> expected = {"reading config", "building model",
                                             "reading tokenizer", "loading weights",
                                             "moving to device"};
        if (warm_up) {
            expected.push_back("warm-up");
        }
        expected.push_back("ready");
        QCOMPARE(stage_order(calls), expected);
        QCOMPARE(calls.front().fraction, 0.0);
        QCOMPARE(calls.back().stage, std::string("ready"));
        QCOMPARE(calls.back().fraction, 1.0);
        for (std::size_t i = 1; i < calls.size(); ++i) {
            QVERIFY2(calls[i].fraction >= calls[i - 1].fraction,
                     (calls[i].stage + " " + std::to_string(calls[i].fraction) + " after " +
                      std::to_string(calls[i - 1].fraction))
                         .c_str());
            QVERIFY(calls[i].fraction <= 1.0);
        }

        // "loading weights": one report per tensor, in the order of the module's (sorted)
        // names, its fraction an affine function of the bytes read so far (the folder was saved
        // from model_, so each tensor's bytes are its elements times its element size).
        std::vector<double> weights;
        for (const Call& c : calls) {
            if (c.stage == "loading weights") {
                weights.push_back(c.fraction);
            }
        }
        const auto tensors = segllm::model::module_tensors(model_->root());
        QCOMPARE(weights.size(), tensors.size());
        std::vector<double> bytes;  // cumulative
        double sum = 0.0;
        for (const auto& [key, t] : tensors) {
            sum += static_cast<double>(t.numel()) * static_cast<double>(t.element_size());
            bytes.push_back(sum);
        }
        // f_i = a + b * bytes_i / total with a and b from the first and last report.
        const double b = (weights.back() - weights.front()) / (1.0 - bytes.front() / sum);
        const double a = weights.back() - b;
        QVERIFY(b > 0.5);  // the weights are most of the load
        for (std::size_t i = 0; i < weights.size(); ++i) {
            QVERIFY2(std::fabs(weights[i] - (a + b * bytes[i] / sum)) < 1e-9,
                     std::to_string(i).c_str());
        }

        // The loaded engine is the saved model.
        QCOMPARE(engine.info().source, dir_);
        QCOMPARE(engine.info().device, std::string("cpu"));
        QVERIFY(engine.info().device_note.empty());
        const auto loaded = two_rounds(engine);
        const auto original = two_rounds(Engine::from_model(model_, cpu(), "original"));
        identical(loaded.first, original.first);
        identical(loaded.second, original.second);
    }

    // The flag set in the progress callback at the first report of `stage` (or, for
    // "loading weights", at its 5th report; "before" sets it before the call).
    void cancelledLoad_data() {
        QTest::addColumn<QString>("stage");
        QTest::newRow("before") << "before";
        QTest::newRow("reading config") << "reading config";
        QTest::newRow("reading tokenizer") << "reading tokenizer";
        QTest::newRow("loading weights") << "loading weights";
        QTest::newRow("moving to device") << "moving to device";
        QTest::newRow("warm-up") << "warm-up";
    }
    void cancelledLoad() {
        QFETCH(QString, stage);
        const std::string when = stage.toStdString();
        std::atomic<bool> cancel{when == "before"};
        std::vector<Call> calls;
        std::vector<std::string> after_cancel;
        int weights_seen = 0;
        bool armed = true;
        LoadControl control;
        control.warm_up = true;
        control.cancel = &cancel;
        control.progress = [&](const std::string& s, double fraction) {
            if (cancel) {
                after_cancel.push_back(s);
            }
            calls.push_back({s, fraction});
            weights_seen += s == "loading weights" ? 1 : 0;
            if (armed && s == when && (s != "loading weights" || weights_seen == 5)) {
                cancel = true;
            }
        };
        bool cancelled = false;
        std::string other_error;
        try {
            Engine::load(dir_, cpu(), control);
        } catch (const segllm::engine::Cancelled&) {
            cancelled = true;
        } catch (const std::exception& e) {
            other_error = e.what();
        }
        QVERIFY2(cancelled, other_error.c_str());
        QVERIFY2(after_cancel.empty(), after_cancel.empty() ? "" : after_cancel.front().c_str());
        if (when == "before") {
            QVERIFY(calls.empty());
        } else {
            QCOMPARE(calls.back().stage, when);
        }
        for (const Call& c : calls) {
            QVERIFY(c.stage != "ready");
        }

        // A later load with the flag cleared works.
        cancel = false;
        armed = false;
        calls.clear();
        const Engine engine = Engine::load(dir_, cpu(), control);
        QCOMPARE(calls.back().stage, std::string("ready"));
        const auto loaded = two_rounds(engine);
        const auto original = two_rounds(Engine::from_model(model_, cpu(), "original"));
        identical(loaded.second, original.second);
    }

    // Without a control Engine::load behaves as before; errors stay errors (not Cancelled).
    void plainLoadAndErrors() {
        const Engine engine = Engine::load(dir_, cpu());
        QCOMPARE(engine.info().image_rows, 64);
        bool cancelled = false;
        std::string message;
        try {
            Engine::load(tmp_.filePath("missing").toStdString(), cpu(), LoadControl{});
        } catch (const segllm::engine::Cancelled&) {
            cancelled = true;
        } catch (const segllm::Error& e) {
            message = e.what();
        }
        QVERIFY(!cancelled);
        QVERIFY2(message.find("missing") != std::string::npos, message.c_str());
        if (!at::hasCUDA()) {
            EngineOptions cuda = cpu();
            cuda.device = "cuda";
            const Engine fallback = Engine::load(dir_, cuda);
            QCOMPARE(fallback.info().device, std::string("cpu"));
            QVERIFY2(fallback.info().device_note.find("CUDA") != std::string::npos,
                     fallback.info().device_note.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestEngineLoad)
#include "test_engine_load.moc"
