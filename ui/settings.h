#pragma once
// The application's persistent settings, in one place: every key with its type and default.
// Stored with QSettings under the application's organisation and name ("SegLLM" /
// "SegLLM Studio" in segllm-studio).

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>

namespace segllm::ui {

class Settings {
public:
    Settings() = default;

    // QMainWindow::saveGeometry() / saveState() of the last closed main window (empty if none).
    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);

    // Folder the Open dialog starts in: the folder of the last opened image (default: the home
    // folder).
    QString lastImageFolder() const;
    void setLastImageFolder(const QString& folder);
    // Folder of the last saved or opened project (default: lastImageFolder()).
    QString lastProjectFolder() const;
    void setLastProjectFolder(const QString& folder);

    // The model shipped with the application: <bin>/../share/segllm-studio/model.
    static QString shippedModelFolder();
    // Model folder (default: shippedModelFolder()); may be the official SegLLM checkpoint.
    QString modelFolder() const;
    void setModelFolder(const QString& folder);
    // "auto" (default), "cpu" or "cuda".
    QString device() const;
    void setDevice(const QString& device);
    // "f32" (default), "bf16" or "f16".
    QString dtype() const;
    void setDtype(const QString& dtype);
    // "" = follow the system locale (default), or "en", "de", "zh_CN".
    QString language() const;
    void setLanguage(const QString& language);

    // Autosave (default on, every 2 minutes).
    bool autosaveEnabled() const;
    void setAutosaveEnabled(bool enabled);
    int autosaveIntervalMinutes() const;
    void setAutosaveIntervalMinutes(int minutes);

    // Labels used before, most recent first (at most kMaxRecentLabels).
    static constexpr int kMaxRecentLabels = 50;
    QStringList recentLabels() const;
    void addRecentLabel(const QString& label);

    // The recovery file written by autosave and not yet removed by a save or a clean exit,
    // and the project file it belongs to (empty for untitled work).
    QString recoveryFile() const;
    QString recoveryProject() const;
    void setRecovery(const QString& file, const QString& project);
    void clearRecovery();

private:
    QSettings settings_;
};

}  // namespace segllm::ui
