#pragma once
// Runs a built program for the app tests and collects its exit status and output.

#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTest>

namespace segllm::test {

struct ProcessResult {
    bool finished = false;
    int exitCode = -1;
    QString out;
    QString err;
};

// Runs `program` with `arguments` (at most 60 s) with QT_QPA_PLATFORM=offscreen.
inline ProcessResult runProcess(const QString& program, const QStringList& arguments) {
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    process.setProcessEnvironment(env);
    process.start(program, arguments);
    ProcessResult result;
    result.finished = process.waitForFinished(60000);
    result.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    result.out = QString::fromLocal8Bit(process.readAllStandardOutput());
    result.err = QString::fromLocal8Bit(process.readAllStandardError());
    return result;
}

}  // namespace segllm::test
