// Scoring a generated benchmark with a tiny random model, directly and through the built
// `segllm eval` / `segllm run` (a saved model folder), plus the missing-default-model message.

// LibTorch headers (through the fixture) before Qt's, whose `slots` macro clashes with them.
#include "tests/engine/engine_fixture.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "core/engine/benchmark_eval.h"
#include "core/engine/engine.h"
#include "core/synth/benchmark_files.h"

namespace fs = std::filesystem;
using segllm::engine::Engine;

namespace {

struct Run {
    int code = -1;
    QString out;
    QString err;
};

Run run_cli(const QStringList& arguments) {
    QProcess p;
    p.start(QStringLiteral(SEGLLM_CLI_PATH), arguments);
    Run r;
    if (!p.waitForFinished(300000)) {
        p.kill();
        return r;
    }
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromLocal8Bit(p.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(p.readAllStandardError());
    return r;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void check_tally(const nlohmann::json& t) {
    QVERIFY(t["ciou"].get<double>() >= 0.0 && t["ciou"].get<double>() <= 1.0);
    QVERIFY(t["giou"].get<double>() >= 0.0 && t["giou"].get<double>() <= 1.0);
    QVERIFY(t["count"].get<int>() >= 1);
}

}  // namespace

class TestBenchmarkEval : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::string bench_;
    std::string model_dir_;
    std::optional<Engine> engine_;
    int total_rounds_ = 0;

private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        const std::string work = tmp_.filePath("work").toStdString();
        fs::create_directories(work);
        const auto tiny = segllm::test::make_tiny_model(work);
        engine_.emplace(Engine::from_model(tiny.model, {}, "tiny-random"));
        model_dir_ = tmp_.filePath("model").toStdString();
        segllm::model::save_model_folder(*tiny.model, model_dir_);
        bench_ = tmp_.filePath("bench").toStdString();
        segllm::synth::BenchmarkOptions options;
        options.count = 3;
        options.seed = 9;
        options.rounds.min_rounds = 2;
        options.rounds.max_rounds = 3;
        segllm::synth::write_benchmark(bench_, options);
        for (const auto& e : segllm::synth::read_benchmark(bench_)) {
            total_rounds_ += static_cast<int>(e.rounds.size());
        }
    }

    void direct() {
        const auto entries = segllm::synth::read_benchmark(bench_);
        int calls = 0;
        segllm::engine::EvalOptions options;
        options.progress = [&](int done, int total) {
            ++calls;
            QCOMPARE(done, calls);
            QCOMPARE(total, 3);
        };
        const auto scores = segllm::engine::evaluate_benchmark(*engine_, entries, options);
        QCOMPARE(calls, 3);
        QCOMPARE(scores.overall.count, total_rounds_);
        const auto j = nlohmann::json::parse(scores.to_json());
        QVERIFY(j["rounds"].size() >= 2);
        int sum = 0;
        for (const auto& r : j["rounds"]) {
            check_tally(r);
            sum += r["count"].get<int>();
        }
        QCOMPARE(sum, total_rounds_);
        QCOMPARE(j["rounds"][0]["count"].get<int>(), 3);
        QVERIFY(j["types"].contains("absolute"));
        for (const auto& [name, t] : j["types"].items()) {
            check_tally(t);
        }
        check_tally(j["overall"]);

        options.progress = {};
        options.max_rounds = 1;
        options.session.mask_memory = false;
        const auto first = segllm::engine::evaluate_benchmark(*engine_, entries, options);
        QCOMPARE(first.overall.count, 3);
        QCOMPARE(first.rounds.size(), std::size_t{1});
        // Round 1 has no references: mask memory does not matter there.
        QCOMPARE(first.rounds.at(1).ciou(), scores.rounds.at(1).ciou());
    }

    void commandLineEval() {
        const QString json = tmp_.filePath("scores.json");
        const Run r =
            run_cli({"eval", QString::fromStdString(bench_), "--model",
                     QString::fromStdString(model_dir_), "--json", json, "--device", "cpu"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("overall"));
        const auto j = nlohmann::json::parse(read_text(json.toStdString()));
        // Same model (saved and loaded in f32): the same scores as the direct run.
        const auto direct =
            segllm::engine::evaluate_benchmark(*engine_, segllm::synth::read_benchmark(bench_), {});
        QCOMPARE(j, nlohmann::json::parse(direct.to_json()));
    }

    void commandLineRun() {
        const auto entries = segllm::synth::read_benchmark(bench_);
        const QString out = tmp_.filePath("run");
        const Run r = run_cli({"run", QString::fromStdString(entries[0].json_path), "--out", out,
                               "--model", QString::fromStdString(model_dir_)});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        qInfo("%s", qPrintable(r.out));
        const auto image = segllm::synth::read_png_rgb(entries[0].image_path);
        for (std::size_t k = 1; k <= entries[0].rounds.size(); ++k) {
            const std::string file = out.toStdString() + "/round_" + std::to_string(k) + ".png";
            const segllm::Mask m = segllm::synth::read_png_mask(file, image.width, image.height);
            QCOMPARE(m.width, image.width);
        }
        QVERIFY(fs::is_regular_file(out.toStdString() + "/overlay.png"));
        const auto coco = nlohmann::json::parse(read_text(out.toStdString() + "/coco.json"));
        QCOMPARE(coco["images"].size(), std::size_t{1});
        QVERIFY(coco["annotations"].size() <= entries[0].rounds.size());
        QVERIFY(r.out.contains("IoU"));
    }

    void missingModelIsNamed() {
        const Run r =
            run_cli({"eval", QString::fromStdString(bench_), "--model", tmp_.filePath("nowhere")});
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains("nowhere") && r.err.contains("does not exist"), qPrintable(r.err));
        if (!fs::exists(std::string(SEGLLM_SOURCE_DIR) + "/resources/models/segllm-tiny")) {
            const Run d = run_cli({"eval", QString::fromStdString(bench_)});
            QCOMPARE(d.code, 1);
            QVERIFY2(d.err.contains("segllm-tiny") && d.err.contains("not found"),
                     qPrintable(d.err));
        }
    }
};

QTEST_APPLESS_MAIN(TestBenchmarkEval)
#include "test_benchmark_eval.moc"
