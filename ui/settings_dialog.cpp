#include "ui/settings_dialog.h"

#include "ui/settings.h"
#include "ui/translator.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace segllm::ui {

namespace {
void selectData(QComboBox* combo, const QString& value) {
    const int index = combo->findData(value);
    combo->setCurrentIndex(index < 0 ? 0 : index);
}
}  // namespace

SettingsDialog::SettingsDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Settings"));
    const Settings settings;

    modelFolder_ = new QLineEdit(settings.modelFolder(), this);
    auto* browse = new QPushButton(tr("Browse..."), this);
    auto* shipped = new QPushButton(tr("Shipped Model"), this);
    shipped->setToolTip(Settings::shippedModelFolder());
    modelStatus_ = new QLabel(this);
    modelStatus_->setWordWrap(true);
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(modelFolder_, 1);
    folderRow->addWidget(browse);
    folderRow->addWidget(shipped);

    device_ = new QComboBox(this);
    device_->addItem(tr("Automatic (CUDA if available)"), QStringLiteral("auto"));
    device_->addItem(tr("CPU"), QStringLiteral("cpu"));
    device_->addItem(tr("CUDA (NVIDIA GPU)"), QStringLiteral("cuda"));
    selectData(device_, settings.device());

    dtype_ = new QComboBox(this);
    dtype_->addItem(tr("float32 (exact, most memory)"), QStringLiteral("f32"));
    dtype_->addItem(tr("bfloat16"), QStringLiteral("bf16"));
    dtype_->addItem(tr("float16"), QStringLiteral("f16"));
    selectData(dtype_, settings.dtype());

    language_ = new QComboBox(this);
    language_->addItem(languageName(QString()), QString());
    for (const QString& code : availableLanguages()) {
        language_->addItem(languageName(code), code);
    }
    selectData(language_, settings.language());

    autosave_ = new QCheckBox(tr("Save a recovery copy every"), this);
    autosave_->setChecked(settings.autosaveEnabled());
    autosaveMinutes_ = new QSpinBox(this);
    autosaveMinutes_->setRange(1, 120);
    autosaveMinutes_->setSuffix(tr(" min"));
    autosaveMinutes_->setValue(settings.autosaveIntervalMinutes());
    autosaveMinutes_->setEnabled(autosave_->isChecked());
    auto* autosaveRow = new QHBoxLayout;
    autosaveRow->addWidget(autosave_);
    autosaveRow->addWidget(autosaveMinutes_);
    autosaveRow->addStretch(1);

    auto* form = new QFormLayout;
    form->addRow(tr("&Model folder:"), folderRow);
    form->addRow(QString(), modelStatus_);
    form->addRow(tr("&Device:"), device_);
    form->addRow(tr("&Precision:"), dtype_);
    form->addRow(tr("&Language:"), language_);
    form->addRow(tr("Autosave:"), autosaveRow);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(autosave_, &QCheckBox::toggled, autosaveMinutes_, &QWidget::setEnabled);
    connect(modelFolder_, &QLineEdit::textChanged, this, &SettingsDialog::updateModelStatus);
    connect(shipped, &QPushButton::clicked, this,
            [this] { modelFolder_->setText(Settings::shippedModelFolder()); });
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString folder =
            QFileDialog::getExistingDirectory(this, tr("Model Folder"), modelFolder_->text());
        if (!folder.isEmpty()) {
            modelFolder_->setText(folder);
        }
    });
    updateModelStatus();
    resize(560, sizeHint().height());
}

QString SettingsDialog::modelFolderStatus() const {
    return modelStatus_->text();
}

void SettingsDialog::updateModelStatus() {
    const QString folder = modelFolder_->text().trimmed();
    const QFileInfo info(folder);
    QString status;
    if (folder.isEmpty()) {
        status = tr("No model folder is set.");
    } else if (!info.exists()) {
        status = folder == Settings::shippedModelFolder()
                     ? tr("The shipped model is not installed (%1 does not exist).")
                           .arg(QDir::toNativeSeparators(folder))
                     : tr("%1 does not exist.").arg(QDir::toNativeSeparators(folder));
    } else if (!info.isDir()) {
        status = tr("%1 is not a folder.").arg(QDir::toNativeSeparators(folder));
    } else {
        status = tr("The folder exists; the model is checked when it is loaded.");
    }
    modelStatus_->setText(status);
}

void SettingsDialog::save() const {
    Settings settings;
    settings.setModelFolder(modelFolder_->text().trimmed());
    settings.setDevice(device_->currentData().toString());
    settings.setDtype(dtype_->currentData().toString());
    settings.setLanguage(language_->currentData().toString());
    settings.setAutosaveEnabled(autosave_->isChecked());
    settings.setAutosaveIntervalMinutes(autosaveMinutes_->value());
}

void SettingsDialog::accept() {
    save();
    QDialog::accept();
}

}  // namespace segllm::ui
