// The `segllm` executable: --help, --version and usage errors, run as a real process.

#include "tests/app/process_run.h"

#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

using segllm::test::runProcess;

namespace {
const QString kProgram = QStringLiteral(SEGLLM_CLI_PATH);
}

class TestSegllmCli : public QObject {
    Q_OBJECT

private slots:
    void help_data() {
        QTest::addColumn<QString>("argument");
        QTest::newRow("--help") << QStringLiteral("--help");
        QTest::newRow("-h") << QStringLiteral("-h");
        QTest::newRow("help") << QStringLiteral("help");
    }
    void help() {
        QFETCH(QString, argument);
        const auto r = runProcess(kProgram, {argument});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith(QStringLiteral("Usage: segllm COMMAND [OPTIONS]\n")),
                 qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("Commands:")));
        QVERIFY(r.out.contains(QStringLiteral("--version")));
        QVERIFY(r.err.isEmpty());
    }

    void version_data() {
        QTest::addColumn<QString>("argument");
        QTest::newRow("--version") << QStringLiteral("--version");
        QTest::newRow("-V") << QStringLiteral("-V");
    }
    void version() {
        QFETCH(QString, argument);
        const auto r = runProcess(kProgram, {argument});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("segllm " SEGLLM_EXPECTED_VERSION "\n"));
    }

    // No arguments: the help goes to stderr and the exit status is 2.
    void noArgumentsIsUsageError() {
        const auto r = runProcess(kProgram, {});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.out.isEmpty());
        QVERIFY2(r.err.startsWith(QStringLiteral("Usage: segllm")), qPrintable(r.err));
    }

    void unknownCommandOrOption_data() {
        QTest::addColumn<QString>("argument");
        QTest::addColumn<QString>("message");
        QTest::newRow("command") << QStringLiteral("frobnicate")
                                 << QStringLiteral("segllm: unknown command 'frobnicate'");
        QTest::newRow("option") << QStringLiteral("--frobnicate")
                                << QStringLiteral("segllm: unknown option '--frobnicate'");
    }
    void unknownCommandOrOption() {
        QFETCH(QString, argument);
        QFETCH(QString, message);
        const auto r = runProcess(kProgram, {argument});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.startsWith(message), qPrintable(r.err));
    }

    // `segllm train` checks its training options before it creates anything: a bad value is an
    // error naming the option and the value, and the run folder is not made.
    void badTrainOption_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("lr-heads 0")
            << QStringList{QStringLiteral("--lr-heads"), QStringLiteral("0")}
            << QStringLiteral("option '--lr-heads' expects a learning rate in (0, 1), got 0");
        QTest::newRow("lr-heads 1.5")
            << QStringList{QStringLiteral("--lr-heads"), QStringLiteral("1.5")}
            << QStringLiteral("option '--lr-heads' expects a learning rate in (0, 1), got 1.5");
        QTest::newRow("lr-llm 0")
            << QStringList{QStringLiteral("--lr-llm"), QStringLiteral("0")}
            << QStringLiteral("option '--lr-llm' expects a learning rate in (0, 1), got 0");
        QTest::newRow("seg-detach 2")
            << QStringList{QStringLiteral("--seg-detach"), QStringLiteral("2")}
            << QStringLiteral("option '--seg-detach' expects a fraction in 0..1, got 2");
        QTest::newRow("probe-cells 9")
            << QStringList{QStringLiteral("--probe-cells"), QStringLiteral("9")}
            << QStringLiteral("option '--probe-cells' expects a grid side of 0..8, got 9");
        QTest::newRow("patch-probe -1")
            << QStringList{QStringLiteral("--patch-probe"), QStringLiteral("-1")}
            << QStringLiteral("option '--patch-probe' expects a weight of 0 or more, got -1");
        QTest::newRow("attend -1")
            << QStringList{QStringLiteral("--attend"), QStringLiteral("-1")}
            << QStringLiteral("option '--attend' expects a weight of 0 or more, got -1");
        QTest::newRow("attend-layer -2")
            << QStringList{QStringLiteral("--attend-layer"), QStringLiteral("-2")}
            << QStringLiteral(
                   "option '--attend-layer' expects a decoder layer of 0 or more (or -1), got -2");
        QTest::newRow("attend-ref-layer -3")
            << QStringList{QStringLiteral("--attend-ref-layer"), QStringLiteral("-3")}
            << QStringLiteral(
                   "option '--attend-ref-layer' expects a decoder layer of 0 or more "
                   "(or -1), got -3");
        QTest::newRow("llm-layers 300")
            << QStringList{QStringLiteral("--llm-layers"), QStringLiteral("300")}
            << QStringLiteral("option '--llm-layers' expects 0..256 decoder layers, got 300");
        QTest::newRow("llm-heads -1")
            << QStringList{QStringLiteral("--llm-heads"), QStringLiteral("-1")}
            << QStringLiteral("option '--llm-heads' expects 0..1024 attention heads, got -1");
        QTest::newRow("rope-theta -5")
            << QStringList{QStringLiteral("--rope-theta"), QStringLiteral("-5")}
            << QStringLiteral("option '--rope-theta' expects 0 or a positive base, got -5");
        QTest::newRow("negative size-probe weight")
            << QStringList{QStringLiteral("--size-probe"), QStringLiteral("-0.5")}
            << QStringLiteral("option '--size-probe' expects a weight of 0 or more, got -0.5");
        QTest::newRow("negative select-rival weight")
            << QStringList{QStringLiteral("--select-rival"), QStringLiteral("-1")}
            << QStringLiteral("option '--select-rival' expects a weight of 0 or more, got -1");
        QTest::newRow("negative attend-word weight")
            << QStringList{QStringLiteral("--attend-word"), QStringLiteral("-1")}
            << QStringLiteral("option '--attend-word' expects a weight of 0 or more, got -1");
        QTest::newRow("attend-word-layer -3")
            << QStringList{QStringLiteral("--attend-word-layer"), QStringLiteral("-3")}
            << QStringLiteral(
                   "option '--attend-word-layer' expects a decoder layer of 0 or more "
                   "(or -1), got -3");
        QTest::newRow("negative word-probe weight")
            << QStringList{QStringLiteral("--word-probe"), QStringLiteral("-2")}
            << QStringLiteral("option '--word-probe' expects a weight of 0 or more, got -2");
        QTest::newRow("patch-squares without a grid")
            << QStringList{QStringLiteral("--patch-squares")}
            << QStringLiteral("option '--patch-squares' needs --probe-cells above 0");
        QTest::newRow("probe-cells -1")
            << QStringList{QStringLiteral("--probe-cells"), QStringLiteral("-1")}
            << QStringLiteral("option '--probe-cells' expects a grid side of 0..8, got -1");
        QTest::newRow("encode-keep 0")
            << QStringList{QStringLiteral("--encode-keep"), QStringLiteral("0")}
            << QStringLiteral("option '--encode-keep' expects a probability in (0, 1], got 0");
        QTest::newRow("encode-keep 1.5")
            << QStringList{QStringLiteral("--encode-keep"), QStringLiteral("1.5")}
            << QStringLiteral("option '--encode-keep' expects a probability in (0, 1], got 1.5");
    }
    void badTrainOption() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString run = dir.filePath(QStringLiteral("run"));
        const auto r = runProcess(
            kProgram,
            QStringList{QStringLiteral("train"), QStringLiteral("--out"), run} + arguments);
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(!QFileInfo::exists(run));
    }

    // `segllm eval --encode-scale` outside (0, 4] is refused before any model is read.
    void badEncodeScale_data() {
        QTest::addColumn<QString>("value");
        QTest::newRow("0") << QStringLiteral("0");
        QTest::newRow("5") << QStringLiteral("5");
        QTest::newRow("-1") << QStringLiteral("-1");
    }
    void badEncodeScale() {
        QFETCH(QString, value);
        const auto r =
            runProcess(kProgram, {QStringLiteral("eval"), QStringLiteral("--generated"),
                                  QStringLiteral("2"), QStringLiteral("--encode-scale"), value});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(
            r.err.contains(QStringLiteral("option '--encode-scale' expects a number in (0, 4], "
                                          "got '") +
                           value + QStringLiteral("'")),
            qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }

    // `segllm average` needs --out and two folders, and never writes over one of its inputs.
    void averageRefusals_data() {
        const QString shipped = QStringLiteral(SEGLLM_SOURCE_DIR "/resources/models/segllm-tiny");
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("no --out") << QStringList{shipped, shipped}
                                  << QStringLiteral("segllm average: error: --out DIR is required");
        QTest::newRow("one folder") << QStringList{QStringLiteral("--out"), shipped + "-x", shipped}
                                    << QStringLiteral("needs at least two model folders, got 1");
        QTest::newRow("onto an input")
            << QStringList{QStringLiteral("--out"), shipped, shipped, shipped}
            << shipped + QStringLiteral(": the output folder is one of the inputs");
    }
    void averageRefusals() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const auto r = runProcess(kProgram, QStringList{QStringLiteral("average")} + arguments);
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }

    // `segllm probe-position`: a bad value names the option; a folder without weights names the
    // missing file; a short run on the shipped model prints every read-out.
    void badProbePositionOption_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("conversations 3")
            << QStringList{QStringLiteral("--conversations"), QStringLiteral("3")}
            << QStringLiteral("option '--conversations' expects 4..100000, got 3");
        QTest::newRow("max-rounds 9")
            << QStringList{QStringLiteral("--max-rounds"), QStringLiteral("9")}
            << QStringLiteral("option '--max-rounds' expects 1..8, got 9");
        QTest::newRow("ridge -1") << QStringList{QStringLiteral("--ridge"), QStringLiteral("-1")}
                                  << QStringLiteral(
                                         "option '--ridge' expects a number >= 0, got -1");
        QTest::newRow("device") << QStringList{QStringLiteral("--device"), QStringLiteral("tpu")}
                                << QStringLiteral("tpu");
    }
    void badProbePositionOption() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const auto r =
            runProcess(kProgram, QStringList{QStringLiteral("probe-position")} + arguments);
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QVERIFY(r.out.isEmpty());
    }
    void probePositionNamesMissingWeights() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QFile config(dir.filePath(QStringLiteral("config.json")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write("{}");
        config.close();
        const auto r = runProcess(
            kProgram, {QStringLiteral("probe-position"), QStringLiteral("--model"), dir.path()});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(dir.filePath(QStringLiteral("model.safetensors")) +
                                QStringLiteral(" is missing")),
                 qPrintable(r.err));
    }
    void probePositionOnShippedModel() {
        const auto r = runProcess(
            kProgram, {QStringLiteral("probe-position"), QStringLiteral("--conversations"),
                       QStringLiteral("8"), QStringLiteral("--threads"), QStringLiteral("1")});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.contains(QStringLiteral("8 conversations (seed 4242, 128x128")),
                 qPrintable(r.out));
        for (const char* row : {"clip patches", "image rows", "llm at image rows", "<seg> state"}) {
            QVERIFY2(r.out.contains(QString::fromLatin1(row)), row);
        }
        QVERIFY(r.out.contains(QStringLiteral("positional")));
    }
};

QTEST_GUILESS_MAIN(TestSegllmCli)
#include "test_segllm_cli.moc"
