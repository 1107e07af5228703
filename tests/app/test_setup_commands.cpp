// README.md starts with the two set-up commands, and .ci/run runs the second one verbatim.

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTest>

namespace {

QString readText(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        return QString();
    }
    return QString::fromUtf8(file.readAll());
}

const QString kRoot = QStringLiteral(SEGLLM_SOURCE_DIR);
const QString kPrefix = QStringLiteral(
    "bash packaging/install-deps.sh && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "
    "&& cmake --build build");

}  // namespace

class TestSetupCommands : public QObject {
    Q_OBJECT

private slots:
    // Title, at most one sentence, then exactly two one-line ```sh blocks.
    void readmeStartsWithTwoCommands() {
        const QStringList lines = readText(kRoot + QStringLiteral("/README.md")).split('\n');
        QVERIFY(lines.size() > 10);
        QCOMPARE(lines.at(0), QStringLiteral("# SegLLM Studio"));
        int i = 1;
        int prose = 0;
        while (i < lines.size() && !lines.at(i).startsWith(QStringLiteral("```"))) {
            prose += lines.at(i).trimmed().isEmpty() ? 0 : 1;
            ++i;
        }
        QVERIFY2(prose <= 1, "more than one line of text before the first command");
        QStringList commands;
        while (commands.size() < 2 && i + 2 < lines.size()) {
            QCOMPARE(lines.at(i), QStringLiteral("```sh"));
            commands << lines.at(i + 1);
            QCOMPARE(lines.at(i + 2), QStringLiteral("```"));
            i += 3;
            while (commands.size() < 2 && i < lines.size() && lines.at(i).trimmed().isEmpty()) {
                ++i;
            }
        }
        QCOMPARE(commands.size(), 2);
        commands_ = commands;

        const QString& run = commands.at(0);
        QVERIFY2(run.startsWith(kPrefix + QStringLiteral(" && build/bin/segllm-studio ")),
                 qPrintable(run));
        const QString image = run.section(QLatin1Char(' '), -1);
        QVERIFY2(image.startsWith(QStringLiteral("resources/images/")), qPrintable(image));
        QVERIFY2(QFileInfo::exists(kRoot + QLatin1Char('/') + image), qPrintable(image));

        const QString& test = commands.at(1);
        QVERIFY2(test.startsWith(kPrefix), qPrintable(test));
        QVERIFY(test.contains(QStringLiteral("ctest --test-dir build --output-on-failure")));
    }

    // The last line of .ci/run is the README's test command; the script is executable bash.
    void ciRunsTheReadmeTestCommand() {
        QVERIFY(commands_.size() == 2);
        const QString path = kRoot + QStringLiteral("/.ci/run");
        QVERIFY(QFileInfo(path).isExecutable());
        const QString script = readText(path);
        QVERIFY(script.startsWith(QStringLiteral("#!/usr/bin/env bash\n")));
        QVERIFY(script.contains(QStringLiteral("\nset -euo pipefail\n")));
        const QStringList lines = script.trimmed().split('\n');
        QCOMPARE(lines.last(), commands_.at(1));
        QVERIFY(QFileInfo(kRoot + QStringLiteral("/packaging/install-deps.sh")).isFile());
    }

private:
    QStringList commands_;
};

QTEST_APPLESS_MAIN(TestSetupCommands)
#include "test_setup_commands.moc"
