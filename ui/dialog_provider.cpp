#include "ui/dialog_provider.h"

#include <QFileDialog>
#include <QGuiApplication>
#include <QMessageBox>

namespace segllm::ui {

DialogProvider interactiveDialogs() {
    DialogProvider dialogs;
    dialogs.askSave = [](QWidget* parent, const QString& question) {
        const auto answer = QMessageBox::warning(
            parent, QGuiApplication::applicationDisplayName(), question,
            QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel);
        if (answer == QMessageBox::Save) {
            return SaveAnswer::Save;
        }
        return answer == QMessageBox::Discard ? SaveAnswer::Discard : SaveAnswer::Cancel;
    };
    dialogs.askYesNo = [](QWidget* parent, const QString& question) {
        return QMessageBox::question(parent, QGuiApplication::applicationDisplayName(), question,
                                     QMessageBox::Yes | QMessageBox::No,
                                     QMessageBox::Yes) == QMessageBox::Yes;
    };
    dialogs.saveFile = [](QWidget* parent, const QString& title, const QString& start,
                          const QString& filter) {
        return QFileDialog::getSaveFileName(parent, title, start, filter);
    };
    dialogs.openFile = [](QWidget* parent, const QString& title, const QString& start,
                          const QString& filter) {
        return QFileDialog::getOpenFileName(parent, title, start, filter);
    };
    dialogs.folder = [](QWidget* parent, const QString& title, const QString& start) {
        return QFileDialog::getExistingDirectory(parent, title, start);
    };
    return dialogs;
}

}  // namespace segllm::ui
