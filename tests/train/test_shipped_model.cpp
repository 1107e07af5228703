// The shipped default model (resources/models/segllm-tiny, issue 5): it loads, and scoring the
// fixed small generated benchmark recorded in its training_report.json ("check") gives the
// figures recorded there when it was trained (so the committed weights are the trained ones and
// load correctly on this machine). The quick target (round-1 cIoU >= 0.80 on that
// benchmark) is checked too.

#include "core/engine/benchmark_eval.h"
#include "core/engine/engine.h"

#include <nlohmann/json.hpp>

#include <QtTest>

#include <fstream>
#include <sstream>
#include <string>

using namespace segllm;

namespace {

const std::string kModelDir = SEGLLM_SOURCE_DIR "/resources/models/segllm-tiny";

nlohmann::json read_report() {
    std::ifstream in(kModelDir + "/training_report.json");
    std::ostringstream s;
    s << in.rdbuf();
    return nlohmann::json::parse(s.str());
}

}  // namespace

class TestShippedModel : public QObject {
    Q_OBJECT

private slots:
    void loads_and_reproduces_its_recorded_scores() {
        QVERIFY2(QFileInfo::exists(QString::fromStdString(kModelDir + "/model.safetensors")),
                 "the shipped model resources/models/segllm-tiny is missing");
        const nlohmann::json report = read_report();
        const nlohmann::json& check = report.at("check");
        synth::BenchmarkOptions bench;
        bench.count = check.at("count").get<int>();
        bench.seed = check.at("seed").get<std::uint64_t>();
        bench.rounds.min_rounds = check.at("min_rounds").get<int>();
        bench.rounds.max_rounds = check.at("max_rounds").get<int>();
        bench.size.width = check.at("width").get<int>();
        bench.size.height = check.at("height").get<int>();
        engine::EngineOptions options;
        options.device = "cpu";
        const engine::Engine model = engine::Engine::load(kModelDir, options);
        const engine::BenchmarkScores scores = engine::evaluate_generated(model, bench);
        const nlohmann::json got = nlohmann::json::parse(scores.to_json());
        const nlohmann::json& want = check.at("scores");
        QCOMPARE(got.at("rounds").size(), want.at("rounds").size());
        for (size_t i = 0; i < want.at("rounds").size(); ++i) {
            const nlohmann::json& g = got.at("rounds")[i];
            const nlohmann::json& w = want.at("rounds")[i];
            QCOMPARE(g.at("round").get<int>(), w.at("round").get<int>());
            QCOMPARE(g.at("count").get<int>(), w.at("count").get<int>());
            // Another CPU's float rounding may flip a near tie between two candidates in one of
            // the 40 conversations (about 0.03 of a round's cIoU); wrong or untrained weights
            // move every round by far more.
            for (const char* key : {"ciou", "giou"}) {
                const double a = g.at(key).get<double>(), b = w.at(key).get<double>();
                QVERIFY2(
                    std::abs(a - b) <= 0.06,
                    qPrintable(
                        QString("round %1 %2: %3, recorded %4").arg(i + 1).arg(key).arg(a).arg(b)));
            }
        }
        const double overall = got.at("overall").at("ciou").get<double>();
        const double recorded = want.at("overall").at("ciou").get<double>();
        QVERIFY2(std::abs(overall - recorded) <= 0.03,
                 qPrintable(QString("overall cIoU %1, recorded %2").arg(overall).arg(recorded)));
        const double round1 = got.at("rounds")[0].at("ciou").get<double>();
        QVERIFY2(round1 >= 0.80,
                 qPrintable(QString("issue 5: the shipped model's round-1 cIoU is %1, below the "
                                    "0.80 target")
                                .arg(round1)));
    }
};

QTEST_APPLESS_MAIN(TestShippedModel)
#include "test_shipped_model.moc"
