#include "ui/project_session.h"

#include "core/export/project_file.h"
#include "ui/log.h"
#include "ui/settings.h"
#include "ui/workspace.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QTimer>

#include <exception>

namespace segllm::ui {

ProjectSession::ProjectSession(Workspace* workspace, QObject* parent)
    : QObject(parent), workspace_(workspace), timer_(new QTimer(this)) {
    connect(timer_, &QTimer::timeout, this, [this] {
        QString error;
        if (!autosave(&error)) {
            emit autosaveFailed(error);
        }
    });
}

QString ProjectSession::fileFilter() {
    return tr("SegLLM Studio projects (*.%1)").arg(QLatin1String(kSuffix)) + QStringLiteral(";;") +
           tr("All files (*)");
}

void ProjectSession::setUntitled() {
    setProjectFile(QString());
}

void ProjectSession::setProjectFile(const QString& file) {
    projectFile_ = file.isEmpty() ? QString() : QFileInfo(file).absoluteFilePath();
    emit projectFileChanged(projectFile_);
}

bool ProjectSession::save(const QString& file, QString* error) {
    try {
        save_project(workspace_->toProject(), file.toStdString());
    } catch (const std::exception& e) {
        if (error != nullptr) {
            *error = tr("Cannot save the project to %1: %2")
                         .arg(QDir::toNativeSeparators(file), QString::fromUtf8(e.what()));
        }
        return false;
    }
    discardRecovery();
    setProjectFile(file);
    workspace_->markSaved();
    Settings().setLastProjectFolder(QFileInfo(file).absolutePath());
    qCInfo(lcProject) << "saved" << file;
    return true;
}

bool ProjectSession::open(const QString& file, QString* error) {
    try {
        const Project project = load_project(file.toStdString());
        workspace_->loadProject(project);
    } catch (const std::exception& e) {
        if (error != nullptr) {
            *error = tr("Cannot open the project %1: %2")
                         .arg(QDir::toNativeSeparators(file), QString::fromUtf8(e.what()));
        }
        return false;
    }
    setProjectFile(file);
    Settings().setLastProjectFolder(QFileInfo(file).absolutePath());
    return true;
}

QString ProjectSession::recoveryPath() const {
    if (!projectFile_.isEmpty()) {
        return projectFile_ + QStringLiteral(".autosave");
    }
    const QString folder = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
                           QStringLiteral("/recovery");
    return folder + QStringLiteral("/untitled.%1.autosave").arg(QLatin1String(kSuffix));
}

bool ProjectSession::autosave(QString* error) {
    if (!workspace_->isModified() || workspace_->imageCount() == 0) {
        return true;
    }
    const QString file = recoveryPath();
    QDir().mkpath(QFileInfo(file).absolutePath());
    try {
        save_project(workspace_->toProject(), file.toStdString());
    } catch (const std::exception& e) {
        const QString message =
            tr("Autosave to %1 failed: %2")
                .arg(QDir::toNativeSeparators(file), QString::fromUtf8(e.what()));
        qCWarning(lcProject) << message;
        if (error != nullptr) {
            *error = message;
        }
        return false;
    }
    Settings().setRecovery(file, projectFile_);
    qCInfo(lcProject) << "autosaved" << file;
    emit autosaved(file);
    return true;
}

void ProjectSession::setAutosave(bool enabled, int intervalMinutes) {
    if (enabled) {
        timer_->start(std::max(1, intervalMinutes) * 60 * 1000);
    } else {
        timer_->stop();
    }
}

bool ProjectSession::autosaveActive() const {
    return timer_->isActive();
}

void ProjectSession::discardRecovery() {
    Settings settings;
    const QString remembered = settings.recoveryFile();
    for (const QString& file : {recoveryPath(), remembered}) {
        if (!file.isEmpty() && QFile::exists(file)) {
            QFile::remove(file);
        }
    }
    settings.clearRecovery();
}

std::optional<ProjectSession::Recovery> ProjectSession::pendingRecovery() {
    const Settings settings;
    Recovery recovery{settings.recoveryFile(), settings.recoveryProject()};
    const QFileInfo info(recovery.file);
    if (recovery.file.isEmpty() || !info.exists()) {
        return std::nullopt;
    }
    if (!recovery.project.isEmpty()) {
        const QFileInfo project(recovery.project);
        if (project.exists() && project.lastModified() >= info.lastModified()) {
            return std::nullopt;
        }
    }
    return recovery;
}

bool ProjectSession::restore(const Recovery& recovery, QString* error) {
    try {
        workspace_->loadProject(load_project(recovery.file.toStdString()));
    } catch (const std::exception& e) {
        if (error != nullptr) {
            *error = tr("Cannot restore from %1: %2")
                         .arg(QDir::toNativeSeparators(recovery.file), QString::fromUtf8(e.what()));
        }
        return false;
    }
    setProjectFile(recovery.project);
    workspace_->markModified();
    return true;
}

}  // namespace segllm::ui
