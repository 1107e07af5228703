// Choosing another language in the settings takes effect at once, without a restart: the menus,
// actions, dock and tool bar titles, buttons, placeholders and status bar texts of the open
// window change to the translation (the expected texts are copied from the .ts files by hand),
// and back to English.

#include "ui/action_registry.h"
#include "ui/chat_pane.h"
#include "ui/document.h"
#include "ui/edit_commands.h"
#include "ui/instance_list_model.h"
#include "ui/instance_panel.h"
#include "ui/main_window.h"
#include "ui/settings.h"
#include "ui/settings_dialog.h"
#include "ui/translator.h"
#include "ui/workspace.h"
#include "ui_test_support.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTest>
#include <QTimer>
#include <QToolBar>
#include <QUndoGroup>
#include <QUndoStack>

using namespace segllm::ui;

namespace {

const QString kSample = QStringLiteral(SEGLLM_SOURCE_DIR "/resources/images/shapes-128.png");

// What the user sees of the window, gathered from its widgets.
struct VisibleTexts {
    QStringList menus;  // menu bar titles, in order
    QString instancesDock;
    QString chatDock;
    QString toolBar;
    QString openImage;
    QString undo;
    QString cancelRound;
    QString labelPlaceholder;
    QString deleteButton;
    QString sendButton;
    QString promptPlaceholder;
    QString modelStatus;
    QStringList statusLabels;  // the status bar's permanent labels
};

VisibleTexts visibleTexts(const MainWindow& window) {
    VisibleTexts t;
    for (QAction* menu : window.menuBar()->actions()) {
        t.menus << menu->text();
    }
    t.instancesDock =
        window.findChild<QDockWidget*>(QStringLiteral("instancesDock"))->windowTitle();
    t.chatDock = window.findChild<QDockWidget*>(QStringLiteral("chatDock"))->windowTitle();
    t.toolBar = window.findChild<QToolBar*>(QStringLiteral("toolsToolBar"))->windowTitle();
    t.openImage = window.actions()->action(ActionRegistry::OpenImage)->text();
    t.undo = window.actions()->action(ActionRegistry::Undo)->text();
    t.cancelRound = window.actions()->action(ActionRegistry::CancelRound)->text();
    t.labelPlaceholder = window.instancePanel()->labelCombo()->lineEdit()->placeholderText();
    t.deleteButton = window.instancePanel()->findChild<QAbstractButton*>()->text();
    t.sendButton = window.chatPane()->sendButton()->text();
    t.promptPlaceholder = window.chatPane()->promptEdit()->placeholderText();
    t.modelStatus = window.modelStatusText();
    for (QLabel* label : window.statusBar()->findChildren<QLabel*>()) {
        if (!label->text().isEmpty()) {
            t.statusLabels << label->text();
        }
    }
    return t;
}

// Opens File > Settings of `window`, picks `code` in the language box and presses OK, as a
// user does; then lets the posted LanguageChange events arrive. False if no dialog came up.
bool chooseLanguage(MainWindow& window, const QString& code) {
    bool seen = false;
    QTimer::singleShot(0, &window, [&seen, code] {
        auto* dialog = qobject_cast<SettingsDialog*>(QApplication::activeModalWidget());
        if (dialog == nullptr) {
            return;
        }
        seen = true;
        dialog->languageCombo()->setCurrentIndex(dialog->languageCombo()->findData(code));
        dialog->accept();
    });
    window.actions()->action(ActionRegistry::ShowSettings)->trigger();
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    return seen;
}

}  // namespace

class TestLanguageSwitch : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("SegLLM-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("SegLLM Studio language tests"));
        QSettings().clear();
        QVERIFY(installTranslations(QStringLiteral("en")));
    }

    void cleanup() {
        installTranslations(QStringLiteral("en"));
        QSettings().clear();
    }

    void switchesToGermanAndBack() {
        MainWindow window;
        window.resize(900, 700);
        QVERIFY(window.openImage(kSample));
        test::addRectInstance(window.workspace()->currentDocument(), 10, 10, 30, 30);

        const VisibleTexts en = visibleTexts(window);
        QCOMPARE(en.menus,
                 QStringList({"&File", "&Edit", "&Tools", "&Chat", "&View", "&Go", "&Help"}));
        QCOMPARE(en.instancesDock, QStringLiteral("Instances"));
        QCOMPARE(en.openImage, QStringLiteral("&Open Image..."));
        QCOMPARE(en.undo, QStringLiteral("&Undo Add instance [1]"));
        QCOMPARE(en.sendButton, QStringLiteral("Send"));
        QCOMPARE(en.modelStatus, QStringLiteral("Model not loaded"));
        QVERIFY2(en.statusLabels.contains(QStringLiteral("Image 1 of 1")),
                 qPrintable(en.statusLabels.join(QLatin1Char('|'))));

        InstanceListModel* list = window.instancePanel()->model();
        QSignalSpy rowsChanged(list, &QAbstractItemModel::dataChanged);
        QVERIFY(chooseLanguage(window, QStringLiteral("de")));
        QCOMPARE(Settings().language(), QStringLiteral("de"));

        const VisibleTexts de = visibleTexts(window);
        QCOMPARE(de.menus, QStringList({"&Datei", "&Bearbeiten", "&Werkzeuge", "&Chat", "&Ansicht",
                                        "&Gehe zu", "&Hilfe"}));
        QCOMPARE(de.instancesDock, QStringLiteral("Instanzen"));
        QCOMPARE(de.chatDock, QStringLiteral("Gespräch"));
        QCOMPARE(de.toolBar, QStringLiteral("Werkzeuge"));
        QCOMPARE(de.openImage, QStringLiteral("Bild ö&ffnen …"));
        // The command's own text follows the language too.
        QCOMPARE(de.undo, QStringLiteral("&Rückgängig Instanz [1] hinzufügen"));
        QCOMPARE(de.cancelRound, QStringLiteral("Runde &abbrechen"));
        QCOMPARE(de.labelPlaceholder, QStringLiteral("Beschriftung der ausgewählten Instanz"));
        QCOMPARE(de.deleteButton, QStringLiteral("Löschen"));
        QCOMPARE(de.sendButton, QStringLiteral("Senden"));
        QCOMPARE(de.promptPlaceholder,
                 QStringLiteral("Fragen Sie nach einem Objekt, z. B. \"Segmentiere den roten "
                                "Kreis.\""));
        QCOMPARE(de.modelStatus, QStringLiteral("Modell nicht geladen"));
        QVERIFY2(de.statusLabels.contains(QStringLiteral("Modell nicht geladen")),
                 qPrintable(de.statusLabels.join(QLatin1Char('|'))));
        QVERIFY2(de.statusLabels.contains(QStringLiteral("Bild 1 von 1")),
                 qPrintable(de.statusLabels.join(QLatin1Char('|'))));
        // The instance list was told to show its rows again ("[1] (ohne Beschriftung)").
        QVERIFY(rowsChanged.count() >= 1);
        QCOMPARE(list->data(list->index(0), Qt::DisplayRole).toString(),
                 QStringLiteral("[1] (ohne Beschriftung)"));

        QVERIFY(chooseLanguage(window, QStringLiteral("zh_CN")));
        const VisibleTexts zh = visibleTexts(window);
        QCOMPARE(zh.menus.first(), QStringLiteral("文件(&F)"));
        QCOMPARE(zh.instancesDock, QStringLiteral("实例"));
        QCOMPARE(zh.sendButton, QStringLiteral("发送"));
        QCOMPARE(zh.modelStatus, QStringLiteral("模型未加载"));
        QVERIFY2(zh.undo.contains(QStringLiteral("添加实例 [1]")), qPrintable(zh.undo));

        QVERIFY(chooseLanguage(window, QStringLiteral("en")));
        QCOMPARE(Settings().language(), QStringLiteral("en"));
        const VisibleTexts back = visibleTexts(window);
        QCOMPARE(back.menus, en.menus);
        QCOMPARE(back.instancesDock, en.instancesDock);
        QCOMPARE(back.chatDock, en.chatDock);
        QCOMPARE(back.toolBar, en.toolBar);
        QCOMPARE(back.openImage, en.openImage);
        QCOMPARE(back.undo, en.undo);

        // A command with an argument that is not translated (the label), made in English, and
        // the redo text of the one below it after undo.
        Document* doc = window.workspace()->currentDocument();
        doc->undoStack()->push(new LabelCommand(doc, 1, "cat"));
        QVERIFY(chooseLanguage(window, QStringLiteral("de")));
        QCOMPARE(window.actions()->action(ActionRegistry::Undo)->text(),
                 QStringLiteral("&Rückgängig [1] als „cat“ beschriften"));
        doc->undoStack()->undo();
        QCOMPARE(window.workspace()->undoGroup()->redoText(),
                 QStringLiteral("[1] als „cat“ beschriften"));
        QCOMPARE(window.workspace()->undoGroup()->undoText(),
                 QStringLiteral("Instanz [1] hinzufügen"));
        QCOMPARE(back.cancelRound, en.cancelRound);
        QCOMPARE(back.labelPlaceholder, en.labelPlaceholder);
        QCOMPARE(back.deleteButton, en.deleteButton);
        QCOMPARE(back.sendButton, en.sendButton);
        QCOMPARE(back.promptPlaceholder, en.promptPlaceholder);
        QCOMPARE(back.modelStatus, en.modelStatus);
        QCOMPARE(back.statusLabels, en.statusLabels);
    }

    // Shortcuts keep working after a switch (they are set again with the texts).
    void shortcutsSurviveSwitch() {
        MainWindow window;
        QVERIFY(chooseLanguage(window, QStringLiteral("de")));
        QCOMPARE(window.actions()->action(ActionRegistry::FitToWindow)->shortcuts(),
                 QList<QKeySequence>(
                     {QKeySequence(QStringLiteral("Ctrl+0")), QKeySequence(QStringLiteral("F"))}));
        QCOMPARE(window.actions()->action(ActionRegistry::CancelRound)->shortcut(),
                 QKeySequence(Qt::Key_Escape));
    }

    // Cancelling the dialog changes nothing.
    void cancelledDialogKeepsLanguage() {
        MainWindow window;
        QTimer::singleShot(0, &window, [] {
            if (auto* dialog = qobject_cast<SettingsDialog*>(QApplication::activeModalWidget())) {
                dialog->languageCombo()->setCurrentIndex(
                    dialog->languageCombo()->findData(QStringLiteral("de")));
                dialog->reject();
            }
        });
        window.showSettings();
        QCoreApplication::processEvents();
        QCOMPARE(window.menuBar()->actions().first()->text(), QStringLiteral("&File"));
    }
};

QTEST_MAIN(TestLanguageSwitch)
#include "test_language_switch.moc"
