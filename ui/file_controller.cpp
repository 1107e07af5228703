#include "ui/file_controller.h"

#include "ui/project_session.h"
#include "ui/settings.h"
#include "ui/workspace.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QWidget>

namespace segllm::ui {

FileController::FileController(Workspace* workspace, ProjectSession* session, QWidget* window)
    : QObject(window),
      workspace_(workspace),
      session_(session),
      window_(window),
      dialogs_(interactiveDialogs()) {}

bool FileController::openFolder(const QString& folder) {
    const QStringList images = Workspace::imagesInFolder(folder);
    if (images.isEmpty()) {
        emit errorOccurred(tr("Cannot open %1: the folder contains no image that can be read.")
                               .arg(QDir::toNativeSeparators(folder)));
        return false;
    }
    if (!maybeSave()) {
        return false;
    }
    session_->discardRecovery();
    session_->setUntitled();
    workspace_->setImages(images);
    workspace_->setCurrentIndex(0);
    emit currentImageChanged();
    return true;
}

bool FileController::openProject(const QString& file) {
    if (!maybeSave()) {
        return false;
    }
    QString error;
    if (!session_->open(file, &error)) {
        emit errorOccurred(error);
        return false;
    }
    const auto recovery = ProjectSession::pendingRecovery();
    if (recovery && QFileInfo(recovery->project) == QFileInfo(file) &&
        dialogs_.askYesNo(window_, tr("There are unsaved changes of %1 from %2 (autosaved). "
                                      "Restore them?")
                                       .arg(QFileInfo(file).fileName(),
                                            QFileInfo(recovery->file)
                                                .lastModified()
                                                .toString(QStringLiteral("yyyy-MM-dd HH:mm"))))) {
        if (!session_->restore(*recovery, &error)) {
            emit errorOccurred(error);
        }
    }
    workspace_->setCurrentIndex(0);
    emit currentImageChanged();
    return true;
}

bool FileController::saveProjectTo(const QString& file) {
    QString path = file;
    if (QFileInfo(path).suffix().isEmpty()) {
        path += QStringLiteral(".") + QLatin1String(ProjectSession::kSuffix);
    }
    QString error;
    if (!session_->save(path, &error)) {
        emit errorOccurred(error);
        return false;
    }
    emit message(tr("Saved %1").arg(QDir::toNativeSeparators(path)));
    return true;
}

bool FileController::saveProject() {
    if (session_->projectFile().isEmpty()) {
        return saveProjectAs();
    }
    return saveProjectTo(session_->projectFile());
}

bool FileController::saveProjectAs() {
    const QString start = session_->projectFile().isEmpty() ? Settings().lastProjectFolder()
                                                            : session_->projectFile();
    const QString file =
        dialogs_.saveFile(window_, tr("Save Project"), start, ProjectSession::fileFilter());
    return !file.isEmpty() && saveProjectTo(file);
}

bool FileController::exportTo(ExportFormat format, bool allImages, const QString& target) {
    if (workspace_->imageCount() == 0 || (!allImages && workspace_->currentIndex() < 0)) {
        return false;
    }
    const Project project =
        allImages ? workspace_->toProject() : workspace_->imageProject(workspace_->currentIndex());
    const ExportResult result = exportProject(project, format, target);
    if (!result.ok) {
        emit errorOccurred(result.message);
        return false;
    }
    emit message(result.message);
    return true;
}

void FileController::showExportDialog(ExportFormat format, bool allImages) {
    const QString start = Settings().lastProjectFolder();
    const QString target =
        exportsToFolder(format)
            ? dialogs_.folder(window_, tr("Export to Folder"), start)
            : dialogs_.saveFile(window_, tr("Export COCO JSON"),
                                start + QStringLiteral("/coco.json"), tr("COCO JSON (*.json)"));
    if (!target.isEmpty()) {
        exportTo(format, allImages, target);
    }
}

bool FileController::maybeSave() {
    if (!workspace_->isModified()) {
        return true;
    }
    switch (dialogs_.askSave(window_, tr("The project has unsaved changes. Save them?"))) {
        case SaveAnswer::Save:
            return saveProject();
        case SaveAnswer::Discard:
            session_->discardRecovery();
            return true;
        case SaveAnswer::Cancel:
            break;
    }
    return false;
}

bool FileController::offerRecovery() {
    const auto recovery = ProjectSession::pendingRecovery();
    if (!recovery) {
        return false;
    }
    const QString when =
        QFileInfo(recovery->file).lastModified().toString(QStringLiteral("yyyy-MM-dd HH:mm"));
    const QString question =
        recovery->project.isEmpty()
            ? tr("SegLLM Studio did not close cleanly. Restore the unsaved work autosaved at "
                 "%1?")
                  .arg(when)
            : tr("SegLLM Studio did not close cleanly. Restore the unsaved changes of %1 "
                 "autosaved at %2?")
                  .arg(QDir::toNativeSeparators(recovery->project), when);
    if (!dialogs_.askYesNo(window_, question)) {
        session_->discardRecovery();
        return false;
    }
    QString error;
    if (!session_->restore(*recovery, &error)) {
        emit errorOccurred(error);
        return false;
    }
    workspace_->setCurrentIndex(0);
    emit currentImageChanged();
    return true;
}

void FileController::showOpenFolderDialog() {
    const QString folder =
        dialogs_.folder(window_, tr("Open Folder"), Settings().lastImageFolder());
    if (!folder.isEmpty()) {
        openFolder(folder);
    }
}

void FileController::showOpenProjectDialog() {
    const QString file = dialogs_.openFile(
        window_, tr("Open Project"), Settings().lastProjectFolder(), ProjectSession::fileFilter());
    if (!file.isEmpty()) {
        openProject(file);
    }
}

}  // namespace segllm::ui
