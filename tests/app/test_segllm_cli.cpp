// The `segllm` executable: --help, --version and usage errors, run as a real process.

#include "tests/app/process_run.h"

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
};

QTEST_GUILESS_MAIN(TestSegllmCli)
#include "test_segllm_cli.moc"
