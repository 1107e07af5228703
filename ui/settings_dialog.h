#pragma once
// File > Settings: model folder, device, dtype, language and autosave, read from and written
// to Settings. The model folder line says honestly whether the folder exists.

#include <QDialog>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace segllm::ui {

class SettingsDialog : public QDialog {
    Q_OBJECT

public:
    explicit SettingsDialog(QWidget* parent = nullptr);

    // Writes the shown values to Settings (done by accept()).
    void save() const;
    void accept() override;

    QLineEdit* modelFolderEdit() const { return modelFolder_; }
    QComboBox* deviceCombo() const { return device_; }
    QComboBox* dtypeCombo() const { return dtype_; }
    QComboBox* languageCombo() const { return language_; }
    QCheckBox* autosaveCheck() const { return autosave_; }
    QSpinBox* autosaveMinutes() const { return autosaveMinutes_; }
    // The status line under the model folder.
    QString modelFolderStatus() const;

private:
    void updateModelStatus();

    QLineEdit* modelFolder_ = nullptr;
    QLabel* modelStatus_ = nullptr;
    QComboBox* device_ = nullptr;
    QComboBox* dtype_ = nullptr;
    QComboBox* language_ = nullptr;
    QCheckBox* autosave_ = nullptr;
    QSpinBox* autosaveMinutes_ = nullptr;
};

}  // namespace segllm::ui
