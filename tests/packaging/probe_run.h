#pragma once
// Runs a program for the packaging tests in a controlled environment: no SEGLLM_* variables,
// XDG data folders chosen by the test, QT_QPA_PLATFORM=offscreen, and a given working folder.

#include <QByteArray>
#include <QMap>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace segllm::test {

struct RunResult {
    bool finished = false;
    int exitCode = -1;
    QString out;
    QString err;
};

// Runs program with arguments (at most timeoutMs). `env` entries are set after every variable
// starting with SEGLLM_ was removed; an empty value removes the variable.
inline RunResult runClean(const QString& program, const QStringList& arguments,
                          const QMap<QString, QString>& env, const QString& workDir,
                          int timeoutMs = 120000) {
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    for (const QString& key : e.keys()) {
        if (key.startsWith(QStringLiteral("SEGLLM_")))
            e.remove(key);
    }
    e.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    for (auto it = env.constBegin(); it != env.constEnd(); ++it) {
        if (it.value().isEmpty())
            e.remove(it.key());
        else
            e.insert(it.key(), it.value());
    }
    QProcess process;
    process.setProcessEnvironment(e);
    process.setWorkingDirectory(workDir);
    process.start(program, arguments);
    RunResult r;
    r.finished = process.waitForFinished(timeoutMs);
    if (!r.finished)
        process.kill();
    r.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    r.out = QString::fromLocal8Bit(process.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(process.readAllStandardError());
    return r;
}

// The probe's output (paths_probe.cpp) parsed: key -> values in order. A "file" line becomes
// key "file:<relative>".
inline QMap<QString, QStringList> parseProbe(const QString& out) {
    QMap<QString, QStringList> m;
    for (const QString& line : out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QStringList parts = line.split(QLatin1Char('\t'));
        if (parts.size() == 3 && parts[0] == QStringLiteral("file"))
            m[QStringLiteral("file:") + parts[1]].append(parts[2]);
        else if (parts.size() >= 2)
            m[parts[0]].append(parts.mid(1).join(QLatin1Char('\t')));
    }
    return m;
}

}  // namespace segllm::test
