#pragma once
// The project behind the workspace: its file, Save / Open through core/export's atomic
// save_project and validating load_project, autosave to a recovery file, and recovery after a
// crash. Recovery files: "<project>.autosave" next to a saved project, or
// "<AppDataLocation>/recovery/untitled.segllm.autosave" for untitled work; the last one written
// is remembered in the settings until a save, a discard or a clean exit removes it.

#include <QObject>
#include <QString>

#include <optional>

class QTimer;

namespace segllm::ui {

class Workspace;

class ProjectSession : public QObject {
    Q_OBJECT

public:
    // File name filter of project files.
    static QString fileFilter();
    static constexpr const char* kSuffix = "segllm";

    struct Recovery {
        QString file;     // the recovery file
        QString project;  // the project it belongs to (empty: untitled)
    };

    explicit ProjectSession(Workspace* workspace, QObject* parent = nullptr);

    // The project file (empty while untitled).
    QString projectFile() const { return projectFile_; }
    // Forgets the project file (the workspace becomes untitled work).
    void setUntitled();

    // Saves the workspace to `file` atomically; on success it becomes the project file, the
    // workspace is clean and the recovery file is removed. On failure returns false with
    // `error` naming the file and the reason; the workspace stays modified.
    bool save(const QString& file, QString* error);
    // Loads `file` into the workspace (replacing it). On failure returns false with `error`;
    // the workspace is unchanged.
    bool open(const QString& file, QString* error);

    // Where autosave writes for the current project.
    QString recoveryPath() const;
    // Writes the recovery file if the workspace has unsaved changes. Returns false with `error`
    // when writing failed (the workspace stays modified).
    bool autosave(QString* error = nullptr);
    // Starts or stops the autosave timer.
    void setAutosave(bool enabled, int intervalMinutes);
    bool autosaveActive() const;
    // Removes the recovery file and forgets it (after a discard or a clean exit).
    void discardRecovery();

    // The recovery file remembered in the settings, if it exists and is newer than its project.
    static std::optional<Recovery> pendingRecovery();
    // Loads a recovery file into the workspace: the project file becomes recovery.project and
    // the workspace is marked modified. Returns false with `error` on failure.
    bool restore(const Recovery& recovery, QString* error);

signals:
    void projectFileChanged(const QString& file);
    void autosaved(const QString& file);
    void autosaveFailed(const QString& message);

private:
    void setProjectFile(const QString& file);

    Workspace* workspace_;
    QString projectFile_;
    QTimer* timer_ = nullptr;
};

}  // namespace segllm::ui
