// The `segllm` executable: --help, --version and usage errors, run as a real process.

#include "tests/app/process_run.h"

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
        QTest::newRow("probe-cells -1")
            << QStringList{QStringLiteral("--probe-cells"), QStringLiteral("-1")}
            << QStringLiteral("option '--probe-cells' expects a grid side of 0..8, got -1");
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
};

QTEST_GUILESS_MAIN(TestSegllmCli)
#include "test_segllm_cli.moc"
