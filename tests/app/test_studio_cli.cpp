// The `segllm-studio` executable: --help, --version and bad arguments, run as a real process.

#include "tests/app/process_run.h"

#include <QTest>

using segllm::test::runProcess;

namespace {
const QString kProgram = QStringLiteral(SEGLLM_STUDIO_PATH);
}

class TestStudioCli : public QObject {
    Q_OBJECT

private slots:
    void version_data() {
        QTest::addColumn<QString>("argument");
        QTest::newRow("--version") << QStringLiteral("--version");
        QTest::newRow("-v") << QStringLiteral("-v");
    }
    void version() {
        QFETCH(QString, argument);
        const auto r = runProcess(kProgram, {argument});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("SegLLM Studio " SEGLLM_EXPECTED_VERSION "\n"));
    }

    void help() {
        const auto r = runProcess(kProgram, {QStringLiteral("--help")});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.out.startsWith(QStringLiteral("Usage: ")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("[options] [IMAGE]")), qPrintable(r.out));
        QVERIFY(r.out.contains(QStringLiteral("--version")));
        QVERIFY(r.out.contains(QStringLiteral("Image file to open.")));
    }

    void unknownOptionFails() {
        const auto r = runProcess(kProgram, {QStringLiteral("--frobnicate")});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("frobnicate")), qPrintable(r.err));
    }

    void twoImagesFail() {
        const auto r = runProcess(kProgram, {QStringLiteral("a.png"), QStringLiteral("b.png")});
        QVERIFY(r.finished);
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QStringLiteral("at most one IMAGE")), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestStudioCli)
#include "test_studio_cli.moc"
