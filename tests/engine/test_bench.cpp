// segllm bench's core (core/engine/bench.h): the report of a tiny random model, its JSON, the
// option checks and the peak-memory reading. No timing assertions (only that times are > 0).

#include "core/common/error.h"
#include "core/engine/bench.h"

#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

using namespace segllm;

class TestBench : public QObject {
    Q_OBJECT

private slots:
    // 3 rounds, 1 repeat: the JSON has every field, rounds 1..3, positive times in both modes,
    // and token counts consistent by hand: recompute runs the whole conversation each round,
    // incremental only the new positions (so they add up to the conversation length).
    // The teardown is logged step by step after the report, and the random model's tokenizer
    // folder (made under $TMPDIR, here an empty folder of the test's own) is gone afterwards.
    void tiny_random_model_report() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const QByteArray old_tmpdir = qgetenv("TMPDIR");
        qputenv("TMPDIR", tmp.path().toLocal8Bit());
        engine::BenchOptions options;
        options.config = "segllm-tiny";
        options.device = "cpu";
        options.rounds = 3;
        options.repeats = 1;
        options.width = 160;
        options.height = 128;
        options.seed = 7;
        QStringList log;
        options.log = [&log](const std::string& line) { log << QString::fromStdString(line); };
        int reports = 0;
        options.on_report = [&](const engine::BenchReport&) {
            ++reports;
            log << QStringLiteral("<report>");
        };
        const engine::BenchReport report = engine::run_bench(options);
        if (old_tmpdir.isNull()) {
            qunsetenv("TMPDIR");
        } else {
            qputenv("TMPDIR", old_tmpdir);
        }
        QCOMPARE(reports, 1);
        const QStringList tail = log.mid(log.indexOf(QStringLiteral("<report>")));
        QCOMPARE(tail, (QStringList{QStringLiteral("<report>"), QStringLiteral("session closed"),
                                    QStringLiteral("model released"),
                                    QStringLiteral("temporary files removed")}));
        QCOMPARE(QDir(tmp.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
                 QStringList());
        const nlohmann::json j = nlohmann::json::parse(engine::bench_report_json(report));

        QVERIFY(j.contains("open_ms"));
        QVERIFY(j.at("open_ms").get<double>() > 0.0);
        QVERIFY(j.contains("peak_rss_mb"));
        QVERIFY(j.at("peak_rss_mb").get<double>() > 0.0);
        QVERIFY(j.contains("peak_gpu_mb"));
        QVERIFY(j.at("peak_gpu_mb").is_null());  // CPU: n/a
        QVERIFY(!j.contains("bandwidth_gb_s"));  // no floor asked
        QCOMPARE(j.at("image").at(0).get<int>(), 160);
        QCOMPARE(j.at("image").at(1).get<int>(), 128);
        const auto& rounds = j.at("rounds");
        QVERIFY(rounds.is_array());
        QCOMPARE(static_cast<int>(rounds.size()), 3);
        long long incremental_sum = 0;
        long long previous_context = 0;
        for (int k = 0; k < 3; ++k) {
            const auto& r = rounds.at(static_cast<std::size_t>(k));
            QCOMPARE(r.at("round").get<int>(), k + 1);
            QVERIFY(r.contains("incremental_ms"));
            QVERIFY(r.contains("recompute_ms"));
            QVERIFY(r.at("incremental_ms").get<double>() > 0.0);
            QVERIFY(r.at("recompute_ms").get<double>() > 0.0);
            const long long context = r.at("context_tokens").get<long long>();
            const long long inc = r.at("incremental_tokens").get<long long>();
            const long long rec = r.at("recompute_tokens").get<long long>();
            QVERIFY(context > previous_context);
            incremental_sum += inc;
            QCOMPARE(rec, context);
            QCOMPARE(incremental_sum, context);
            if (k > 0) {
                QVERIFY(inc < rec);
            }
            previous_context = context;
        }
    }

    // The floor fields appear when asked: positive, and the round's floor is
    // max(bytes / bandwidth, flops / throughput) recomputed here from the reported parts.
    void floor_fields() {
        engine::BenchOptions options;
        options.config = "segllm-tiny";
        options.device = "cpu";
        options.rounds = 1;
        options.repeats = 1;
        options.width = 128;
        options.height = 128;
        options.floor = true;
        const engine::BenchReport report = engine::run_bench(options);
        const nlohmann::json j = nlohmann::json::parse(engine::bench_report_json(report));
        const double bytes = j.at("weight_bytes").get<double>();
        const double bandwidth = j.at("bandwidth_gb_s").get<double>();
        const double tflops = j.at("matmul_tflops").get<double>();
        QVERIFY(bytes > 0.0);
        QVERIFY(bandwidth > 0.0);
        QVERIFY(tflops > 0.0);
        const auto& r = j.at("rounds").at(0);
        const double flops = r.at("floor_flops").get<double>();
        QVERIFY(flops > 0.0);
        const double expected = std::max(bytes / (bandwidth * 1e9), flops / (tflops * 1e12)) * 1e3;
        QVERIFY(std::abs(r.at("floor_ms").get<double>() - expected) <= 1e-9 * expected + 1e-12);
    }

    void invalid_options_data() {
        QTest::addColumn<int>("rounds");
        QTest::addColumn<int>("repeats");
        QTest::addColumn<int>("width");
        QTest::addRow("no rounds") << 0 << 1 << 128;
        QTest::addRow("nine rounds") << 9 << 1 << 128;
        QTest::addRow("no repeats") << 2 << 0 << 128;
        QTest::addRow("too narrow") << 2 << 1 << 95;
    }

    void invalid_options() {
        QFETCH(int, rounds);
        QFETCH(int, repeats);
        QFETCH(int, width);
        engine::BenchOptions options;
        options.config = "segllm-tiny";
        options.device = "cpu";
        options.rounds = rounds;
        options.repeats = repeats;
        options.width = width;
        options.height = 128;
        QVERIFY_THROWS_EXCEPTION(Error, engine::run_bench(options));
    }

    // VmHWM grows by at least what we touch (64 MiB written byte by byte).
    void peak_rss_grows() {
        const double before = engine::peak_rss_mb();
        QVERIFY(before > 0.0);
        const std::size_t size =
            64u * 1024u * 1024u + static_cast<std::size_t>(before) * 1024u * 1024u;
        std::unique_ptr<char[]> block(new char[size]);
        std::memset(block.get(), 1, size);
        volatile char sink = block[size - 1];
        (void)sink;
        const double after = engine::peak_rss_mb();
        QVERIFY2(after >= before + 60.0,
                 qPrintable(QString("before %1 after %2").arg(before).arg(after)));
    }
};

QTEST_APPLESS_MAIN(TestBench)
#include "test_bench.moc"
