// Settings: documented defaults, values remembered across instances, and the settings dialog
// (which says honestly when the model folder does not exist).

#include "ui/settings.h"
#include "ui/settings_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QLineEdit>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using segllm::ui::Settings;
using segllm::ui::SettingsDialog;

class TestSettings : public QObject {
    Q_OBJECT

private slots:
    void init() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SegLLM-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("SegLLM Studio settings tests"));
        QSettings().clear();
    }

    void defaults() {
        const Settings settings;
        QCOMPARE(settings.modelFolder(), Settings::shippedModelFolder());
        QVERIFY(Settings::shippedModelFolder().endsWith(QStringLiteral("models/segllm-tiny")));
        QCOMPARE(settings.device(), QStringLiteral("auto"));
        QCOMPARE(settings.dtype(), QStringLiteral("f32"));
        QCOMPARE(settings.language(), QString());
        QVERIFY(settings.autosaveEnabled());
        QCOMPARE(settings.autosaveIntervalMinutes(), 2);
        QVERIFY(settings.recentLabels().isEmpty());
    }

    void remembered() {
        {
            Settings settings;
            settings.setDevice(QStringLiteral("cuda"));
            settings.setDtype(QStringLiteral("bf16"));
            settings.setLanguage(QStringLiteral("zh_CN"));
            settings.setAutosaveEnabled(false);
            settings.setAutosaveIntervalMinutes(7);
            settings.addRecentLabel(QStringLiteral("cat"));
            settings.addRecentLabel(QStringLiteral("dog"));
            settings.addRecentLabel(QStringLiteral("cat"));
        }
        const Settings again;
        QCOMPARE(again.device(), QStringLiteral("cuda"));
        QCOMPARE(again.dtype(), QStringLiteral("bf16"));
        QCOMPARE(again.language(), QStringLiteral("zh_CN"));
        QVERIFY(!again.autosaveEnabled());
        QCOMPARE(again.autosaveIntervalMinutes(), 7);
        // Most recent first, no duplicates.
        QCOMPARE(again.recentLabels(), QStringList({QStringLiteral("cat"), QStringLiteral("dog")}));
    }

    void invalidValuesFallBack() {
        QSettings raw;
        raw.setValue(QStringLiteral("model/device"), QStringLiteral("tpu"));
        raw.setValue(QStringLiteral("model/dtype"), QStringLiteral("int3"));
        raw.setValue(QStringLiteral("autosave/intervalMinutes"), 0);
        const Settings settings;
        QCOMPARE(settings.device(), QStringLiteral("auto"));
        QCOMPARE(settings.dtype(), QStringLiteral("f32"));
        QCOMPARE(settings.autosaveIntervalMinutes(), 1);
    }

    void dialogShowsAndSaves() {
        SettingsDialog dialog;
        // The shipped model (resources/models/segllm-tiny, found from the build tree) is the
        // default and exists; a folder that does not exist is named in the status.
        QCOMPARE(dialog.modelFolderEdit()->text(), Settings::shippedModelFolder());
        QVERIFY2(QFileInfo(Settings::shippedModelFolder()).isDir(),
                 qPrintable(Settings::shippedModelFolder()));
        QVERIFY2(dialog.modelFolderStatus().contains(QStringLiteral("exists")),
                 qPrintable(dialog.modelFolderStatus()));
        dialog.modelFolderEdit()->setText(QStringLiteral("/nonexistent/segllm-model"));
        QVERIFY2(dialog.modelFolderStatus().contains(QStringLiteral("/nonexistent/segllm-model")) &&
                     dialog.modelFolderStatus().contains(QStringLiteral("does not exist")),
                 qPrintable(dialog.modelFolderStatus()));
        QTemporaryDir folder;
        dialog.modelFolderEdit()->setText(folder.path());
        QVERIFY2(dialog.modelFolderStatus().contains(QStringLiteral("exists")),
                 qPrintable(dialog.modelFolderStatus()));
        dialog.deviceCombo()->setCurrentIndex(
            dialog.deviceCombo()->findData(QStringLiteral("cpu")));
        dialog.dtypeCombo()->setCurrentIndex(dialog.dtypeCombo()->findData(QStringLiteral("f16")));
        dialog.languageCombo()->setCurrentIndex(
            dialog.languageCombo()->findData(QStringLiteral("de")));
        dialog.autosaveMinutes()->setValue(5);
        dialog.accept();
        const Settings settings;
        QCOMPARE(settings.modelFolder(), folder.path());
        QCOMPARE(settings.device(), QStringLiteral("cpu"));
        QCOMPARE(settings.dtype(), QStringLiteral("f16"));
        QCOMPARE(settings.language(), QStringLiteral("de"));
        QCOMPARE(settings.autosaveIntervalMinutes(), 5);
        // Opened again, it shows the saved values.
        SettingsDialog again;
        QCOMPARE(again.deviceCombo()->currentData().toString(), QStringLiteral("cpu"));
        QCOMPARE(again.languageCombo()->currentData().toString(), QStringLiteral("de"));
    }
};

QTEST_MAIN(TestSettings)
#include "test_settings.moc"
