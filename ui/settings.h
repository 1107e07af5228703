#pragma once
// The application's persistent settings, in one place: every key with its type and default.
// Stored with QSettings under the application's organisation and name ("SegLLM" /
// "SegLLM Studio" in segllm-studio).

#include <QByteArray>
#include <QSettings>
#include <QString>

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

private:
    QSettings settings_;
};

}  // namespace segllm::ui
