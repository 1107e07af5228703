// Scoring a generated benchmark with a tiny random model, directly and through the built
// `segllm eval` / `segllm run` (a saved model folder), plus the missing-default-model message;
// and the in-memory scoring of generated conversations (evaluate_generated, `eval --generated`)
// against the same conversations written as a folder and scored from the files.

// LibTorch headers (through the fixture) before Qt's, whose `slots` macro clashes with them.
#include "tests/engine/engine_fixture.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/engine/benchmark_eval.h"
#include "core/engine/engine.h"
#include "core/engine/metrics.h"
#include "core/synth/benchmark_files.h"
#include "core/synth/expression.h"

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

    // evaluate_generated == write_benchmark + read_benchmark + evaluate_benchmark, to the
    // last digit of the JSON, for fixed sizes, mixed sizes, a round cap and no mask memory.
    void generatedMatchesFolder_data() {
        QTest::addColumn<int>("count");
        QTest::addColumn<int>("seed");
        QTest::addColumn<int>("min_rounds");
        QTest::addColumn<int>("max_rounds");
        QTest::addColumn<bool>("mixed");
        QTest::addColumn<int>("score_rounds");
        QTest::addColumn<bool>("mask_memory");
        QTest::newRow("defaults") << 3 << 0 << 1 << 4 << false << 0 << true;
        QTest::newRow("seed 9, 2-3 rounds") << 3 << 9 << 2 << 3 << false << 0 << true;
        QTest::newRow("mixed sizes") << 2 << 5 << 1 << 3 << true << 0 << true;
        QTest::newRow("first two rounds, no mask memory")
            << 3 << 4 << 2 << 4 << false << 2 << false;
    }

    void generatedMatchesFolder() {
        QFETCH(int, count);
        QFETCH(int, seed);
        QFETCH(int, min_rounds);
        QFETCH(int, max_rounds);
        QFETCH(bool, mixed);
        QFETCH(int, score_rounds);
        QFETCH(bool, mask_memory);
        segllm::synth::BenchmarkOptions gen;
        gen.count = count;
        gen.seed = static_cast<std::uint64_t>(seed);
        gen.rounds.min_rounds = min_rounds;
        gen.rounds.max_rounds = max_rounds;
        gen.mixed_size = mixed;
        const std::string dir = tmp_.filePath("gen_" + QString::number(seed)).toStdString();
        segllm::synth::write_benchmark(dir, gen, true);
        const auto entries = segllm::synth::read_benchmark(dir);
        QCOMPARE(static_cast<int>(entries.size()), count);

        segllm::engine::EvalOptions options;
        options.max_rounds = score_rounds;
        options.session.mask_memory = mask_memory;
        const auto from_files = segllm::engine::evaluate_benchmark(*engine_, entries, options);
        int calls = 0;
        options.progress = [&](int done, int total) {
            ++calls;
            QCOMPARE(done, calls);
            QCOMPARE(total, count);
        };
        const auto in_memory = segllm::engine::evaluate_generated(*engine_, gen, options);
        QCOMPARE(calls, count);

        // Rounds scored, counted from the JSON files (each round there has a mask).
        int expected = 0;
        for (const auto& e : entries) {
            const int n = static_cast<int>(e.rounds.size());
            QVERIFY(n >= min_rounds && n <= max_rounds);
            expected += score_rounds > 0 ? std::min(n, score_rounds) : n;
        }
        QCOMPARE(in_memory.overall.count, expected);
        QCOMPARE(in_memory.overall.intersection, from_files.overall.intersection);
        QCOMPARE(in_memory.overall.union_, from_files.overall.union_);
        QCOMPARE(nlohmann::json::parse(in_memory.to_json()),
                 nlohmann::json::parse(from_files.to_json()));
        QCOMPARE(in_memory.to_table(), from_files.to_table());
    }

    // --corrected: after each round the instance's mask is the ground truth. Checked against
    // a session driven by hand, with intersections and unions counted pixel by pixel.
    void correctedHistory() {
        const auto entries = segllm::synth::read_benchmark(bench_);
        std::map<int, std::pair<std::int64_t, std::int64_t>> expected;  // round -> (I, U)
        for (const auto& entry : entries) {
            segllm::engine::Session session(*engine_);
            session.open_image(entry.image_path);
            for (std::size_t r = 0; r < entry.rounds.size(); ++r) {
                const auto result = session.ask(entry.rounds[r].prompt);
                const segllm::Mask truth = segllm::synth::read_png_mask(
                    entry.rounds[r].mask_path, session.image_width(), session.image_height());
                std::int64_t inter = 0, uni = 0;
                for (std::size_t i = 0; i < truth.data.size(); ++i) {
                    const bool a = result.mask.data[i] != 0, b = truth.data[i] != 0;
                    inter += a && b ? 1 : 0;
                    uni += a || b ? 1 : 0;
                }
                auto& e = expected[static_cast<int>(r + 1)];
                e.first += inter;
                e.second += uni;
                session.correct_mask(result.instance_id, truth);
                // The next round reads the corrected mask.
                QCOMPARE(session.instance(result.instance_id).mask.data, truth.data);
            }
        }
        segllm::engine::EvalOptions options;
        options.corrected_history = true;
        const auto corrected = segllm::engine::evaluate_benchmark(*engine_, entries, options);
        QCOMPARE(corrected.rounds.size(), expected.size());
        for (const auto& [round, iu] : expected) {
            QCOMPARE(corrected.rounds.at(round).intersection, iu.first);
            QCOMPARE(corrected.rounds.at(round).union_, iu.second);
        }
        // Round 1 has no history: the same as the autoregressive scoring.
        const auto own = segllm::engine::evaluate_benchmark(*engine_, entries, {});
        QCOMPARE(corrected.rounds.at(1).intersection, own.rounds.at(1).intersection);
        QCOMPARE(corrected.rounds.at(1).union_, own.rounds.at(1).union_);

        const Run cli = run_cli({"eval", QString::fromStdString(bench_), "--model",
                                 QString::fromStdString(model_dir_), "--corrected"});
        QCOMPARE(cli.code, 0);
        QVERIFY2(cli.out.contains(QStringLiteral("history corrected")), qPrintable(cli.out));
    }

    // --errors: each round's outcome equals the classification of a session driven by hand
    // (the truths of the rounds its [k] name vs the other earlier rounds), the target-among-
    // candidates flag equals a scan of the session's candidates, and the scores are unchanged;
    // by expression form (read from each prompt), the same outcomes and the rounds' scores.
    void errorAnalysis() {
        const auto entries = segllm::synth::read_benchmark(bench_);
        std::map<std::string, segllm::engine::OutcomeTally> expected, expected_forms;
        std::map<std::string, segllm::engine::IouTally> expected_form_scores;
        int named_rounds = 0;
        for (const auto& entry : entries) {
            segllm::engine::Session session(*engine_);
            session.open_image(entry.image_path);
            std::vector<segllm::Mask> truths;
            for (std::size_t r = 0; r < entry.rounds.size(); ++r) {
                const auto& round = entry.rounds[r];
                const auto result = session.ask(round.prompt);
                const segllm::Mask truth = segllm::synth::read_png_mask(
                    round.mask_path, session.image_width(), session.image_height());
                std::vector<const segllm::Mask*> named, earlier;
                for (std::size_t e = 0; e < r; ++e) {
                    const bool is_named =
                        std::count(round.references.begin(), round.references.end(),
                                   static_cast<int>(e + 1)) > 0;
                    (is_named ? named : earlier).push_back(&truths[e]);
                }
                named_rounds += named.empty() ? 0 : 1;
                double best = 0.0;
                for (std::size_t k = 0; k < session.candidates(result.instance_id).size(); ++k) {
                    best =
                        std::max(best, segllm::engine::mask_iou(
                                           session.candidate_mask(result.instance_id, k), truth));
                }
                const auto outcome =
                    segllm::engine::classify_outcome(result.mask, truth, named, earlier);
                expected[segllm::synth::relation_type_name(*round.type)].add(
                    outcome, segllm::engine::mask_iou(result.mask, truth), best);
                const auto form = segllm::synth::expression_form(round.prompt);
                QVERIFY2(form.has_value(), round.prompt.c_str());  // generated prompts
                const std::string name = segllm::synth::form_name(*form);
                expected_forms[name].add(outcome, segllm::engine::mask_iou(result.mask, truth),
                                         best);
                expected_form_scores[name].add(result.mask, truth);
                truths.push_back(truth);
            }
        }
        QVERIFY(named_rounds > 0);  // the fixture has rounds with [k]
        segllm::engine::EvalOptions options;
        options.error_analysis = true;
        const auto analysed = segllm::engine::evaluate_benchmark(*engine_, entries, options);
        QVERIFY(analysed.has_outcomes());
        QCOMPARE(analysed.outcomes.size(), expected.size());
        int rounds = 0;
        for (const auto& [type, want] : expected) {
            const auto& got = analysed.outcomes.at(type);
            QCOMPARE(got.rounds, want.rounds);
            QCOMPARE(got.target, want.target);
            QCOMPARE(got.referenced, want.referenced);
            QCOMPARE(got.earlier, want.earlier);
            QCOMPARE(got.elsewhere, want.elsewhere);
            QCOMPARE(got.candidate, want.candidate);
            QCOMPARE(got.target_iou_sum, want.target_iou_sum);
            QCOMPARE(got.best_candidate_iou_sum, want.best_candidate_iou_sum);
            QCOMPARE(got.target + got.referenced + got.earlier + got.elsewhere, got.rounds);
            rounds += got.rounds;
        }
        QCOMPARE(analysed.overall_outcome.rounds, total_rounds_);
        QCOMPARE(rounds, total_rounds_);
        QCOMPARE(analysed.form_outcomes.size(), expected_forms.size());
        QCOMPARE(analysed.forms.size(), expected_forms.size());
        for (const auto& [form, want] : expected_forms) {
            const auto& got = analysed.form_outcomes.at(form);
            QCOMPARE(got.rounds, want.rounds);
            QCOMPARE(got.target, want.target);
            QCOMPARE(got.elsewhere, want.elsewhere);
            QCOMPARE(got.candidate, want.candidate);
            QCOMPARE(analysed.forms.at(form).intersection,
                     expected_form_scores.at(form).intersection);
            QCOMPARE(analysed.forms.at(form).union_, expected_form_scores.at(form).union_);
        }
        const auto plain = segllm::engine::evaluate_benchmark(*engine_, entries, {});
        QVERIFY(!plain.has_outcomes());
        QVERIFY(plain.forms.empty());
        QCOMPARE(analysed.overall.intersection, plain.overall.intersection);
        QCOMPARE(analysed.overall.union_, plain.overall.union_);

        const Run cli = run_cli({"eval", QString::fromStdString(bench_), "--model",
                                 QString::fromStdString(model_dir_), "--errors"});
        QCOMPARE(cli.code, 0);
        QVERIFY2(cli.out.contains(QStringLiteral("what was segmented")), qPrintable(cli.out));
        QVERIFY2(cli.out.contains(QStringLiteral("  form               cIoU  target")),
                 qPrintable(cli.out));
    }

    void generatedCountRefused() {
        segllm::synth::BenchmarkOptions gen;
        gen.count = 0;
        QVERIFY_THROWS_EXCEPTION(segllm::Error,
                                 segllm::engine::evaluate_generated(*engine_, gen, {}));
    }

    // `segllm eval --generated` prints and writes what `segllm gen-bench` + `segllm eval` do.
    void commandLineGenerated() {
        const QString dir = tmp_.filePath("cli_bench");
        const Run g = run_cli({"gen-bench", "--out", dir, "--count", "3", "--seed", "11",
                               "--max-rounds", "3", "--size", "mixed"});
        QVERIFY2(g.code == 0, qPrintable(g.err));
        const QString model = QString::fromStdString(model_dir_);
        const QString json_files = tmp_.filePath("files.json");
        const Run f =
            run_cli({"eval", dir, "--model", model, "--json", json_files, "--device", "cpu"});
        QVERIFY2(f.code == 0, qPrintable(f.err));
        const QString json_memory = tmp_.filePath("memory.json");
        const Run m =
            run_cli({"eval", "--generated", "3", "--seed", "11", "--gen-max-rounds", "3", "--size",
                     "mixed", "--model", model, "--json", json_memory, "--device", "cpu"});
        QVERIFY2(m.code == 0, qPrintable(m.err));
        QVERIFY(m.out.startsWith("3 conversations, model "));
        QCOMPARE(m.out, f.out);
        QCOMPARE(read_text(json_memory.toStdString()), read_text(json_files.toStdString()));

        // A generated eval takes no folder, and the generator options need --generated.
        QCOMPARE(run_cli({"eval", dir, "--generated", "2", "--model", model}).code, 1);
        const Run s = run_cli({"eval", dir, "--seed", "3", "--model", model});
        QCOMPARE(s.code, 1);
        QVERIFY2(s.err.contains("--generated"), qPrintable(s.err));
        QCOMPARE(run_cli({"eval", "--generated", "0", "--model", model}).code, 1);
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
