#pragma once
// The File menu's work behind the main window: open a folder or a project, save, save as,
// export, the unsaved-changes question and crash recovery. Questions and file choosers go
// through a DialogProvider, so tests answer them without modal dialogs.

#include "ui/dialog_provider.h"
#include "ui/exporter.h"

#include <QObject>
#include <QString>

class QWidget;

namespace segllm::ui {

class ProjectSession;
class Workspace;

class FileController : public QObject {
    Q_OBJECT

public:
    // `window` parents the dialogs.
    FileController(Workspace* workspace, ProjectSession* session, QWidget* window);

    const DialogProvider& dialogs() const { return dialogs_; }
    void setDialogProvider(const DialogProvider& dialogs) { dialogs_ = dialogs; }

    // Replaces the workspace with the images of `folder` (asks to save changes first) and
    // makes the first current. False when cancelled or the folder has no readable image.
    bool openFolder(const QString& folder);
    // Opens a project file (asks to save changes first; offers a newer autosave of it).
    bool openProject(const QString& file);
    // Saves to `file` (".segllm" added when it has no suffix); it becomes the project file.
    bool saveProjectTo(const QString& file);
    // Save: to the project file, or asks for one.
    bool saveProject();
    bool saveProjectAs();
    // Exports the current image or all images to `target` (a file for COCO, a folder else).
    bool exportTo(ExportFormat format, bool allImages, const QString& target);
    // Asks Save / Discard / Cancel when there are unsaved changes; true to go on.
    bool maybeSave();
    // Offers to restore a recovery file left by a crash; true when one was restored.
    bool offerRecovery();

public slots:
    void showOpenFolderDialog();
    void showOpenProjectDialog();
    void showExportDialog(ExportFormat format, bool allImages);

signals:
    // The workspace's current image changed: the window shows it.
    void currentImageChanged();
    // A failure, naming the file and the reason.
    void errorOccurred(const QString& message);
    // A status message (e.g. what an export wrote).
    void message(const QString& text);

private:
    Workspace* workspace_;
    ProjectSession* session_;
    QWidget* window_;
    DialogProvider dialogs_;
};

}  // namespace segllm::ui
