#pragma once
// Every question and file chooser the main window shows, behind replaceable functions, so that
// tests (and later scripted use) can answer them without a modal dialog.

#include <QString>

#include <functional>

class QWidget;

namespace segllm::ui {

enum class SaveAnswer { Save, Discard, Cancel };

struct DialogProvider {
    // "Save changes?" with Save / Discard / Cancel.
    std::function<SaveAnswer(QWidget* parent, const QString& question)> askSave;
    // A yes/no question (e.g. restoring a recovery file).
    std::function<bool(QWidget* parent, const QString& question)> askYesNo;
    // A file to write, a file to read, a folder: an empty string means cancelled.
    std::function<QString(QWidget* parent, const QString& title, const QString& start,
                          const QString& filter)>
        saveFile;
    std::function<QString(QWidget* parent, const QString& title, const QString& start,
                          const QString& filter)>
        openFile;
    std::function<QString(QWidget* parent, const QString& title, const QString& start)> folder;
};

// The interactive implementation: QMessageBox and QFileDialog.
DialogProvider interactiveDialogs();

}  // namespace segllm::ui
